/**
 * Device and method icons: 24×24 stroke outlines in `currentColor`. Decorative only: the text next to
 * an icon names the method, so every icon is hidden from assistive technology.
 * @module
 */
import { svg, type SVGTemplateResult } from 'lit';

/** One path each; kept tiny because they count towards the bundle budget. */
const paths: Readonly<Record<string, string>> = {
  SMS: 'M4 4h16v12H9l-5 4z M8 10h.01M12 10h.01M16 10h.01',
  VOICE:
    'M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2z',
  EMAIL: 'M3 5h18v14H3z M3 5l9 8 9-8',
  WHATSAPP: 'M12 3a9 9 0 0 0-7.8 13.5L3 21l4.6-1.2A9 9 0 1 0 12 3z M9 9c0 3 3 6 6 6',
  TOTP: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z M12 7v5l3 2',
  FIDO2: 'M8 12a4 4 0 1 0 0 8 4 4 0 0 0 0-8z M11 13l9-9 M17 7l3 3 M14 10l2 2',
  OATH_TOKEN: 'M3 7h18v10H3z M6 10h8v4H6z M17 12h1',
};
const fallback = 'M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z';

/** The icon for a device or method type (PingOne's names: `SMS`, `FIDO2`, …); a shield otherwise. */
export function deviceIcon(type: string): SVGTemplateResult {
  return svg`<svg
    class="icon"
    viewBox="0 0 24 24"
    width="24"
    height="24"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    aria-hidden="true"
    focusable="false"
  ><path d=${paths[type] ?? fallback}></path></svg>`;
}
