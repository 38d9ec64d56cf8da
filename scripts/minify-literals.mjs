// @ts-check
// A Vite (rolldown) plugin that minifies the CSS and HTML inside Lit's css`` and html`` template
// literals of our sources. The bundler minifies code but leaves template text as written, and in
// an element library that text (styles above all) is a large part of the bytes shipped.

import { minifyHTMLLiterals } from 'minify-literals';

/** Our TypeScript sources under src/, never a dependency's. */
const OWN_SOURCE = /^(?!.*[\\/]node_modules[\\/]).*[\\/]src[\\/].*\.ts$/;

/** @returns {import('vite').Plugin} */
export function minifyLiterals() {
  return {
    name: 'mfa:minify-literals',
    async transform(code, id) {
      if (!OWN_SOURCE.test(id) || !/\b(?:html|css|svg)`/.test(code)) return null;
      const result = await minifyHTMLLiterals(code, { fileName: id });
      if (!result) return null;
      // The map as JSON text: magic-string's object type and the bundler's differ slightly.
      return { code: result.code, map: result.map?.toString() };
    },
  };
}
