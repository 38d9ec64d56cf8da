// The encoder core of `qrcode` (matrix only, no renderers): the smallest entry that builds a symbol.
// `@types/qrcode` describes only the package's main entry, whose `create` is this one.
declare module 'qrcode/lib/core/qrcode.js' {
  export { create } from 'qrcode';
}
