/**
 * Text from outside herogen (API answers, file names) made safe for a terminal and a log: escape
 * sequences could clear the screen or retitle the window, and a line break in a file name could
 * forge a line of output that herogen never printed.
 */
import { stripVTControlCharacters } from 'node:util';

/** C0 controls except tab, DEL and C1 controls: whatever is left once sequences are gone. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
const LINE_BREAK = /\r\n|[\r\n\u2028\u2029]/g;
/** Characters that make a path print misleadingly: controls, line separators, bidi overrides. */
const UNUSUAL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** Of those, the ones `JSON.stringify` leaves as they are. */
const UNESCAPED = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Remove terminal escape sequences (CSI, OSC, …; Node's own stripper) and every remaining
 * control character but tab; line breaks become spaces so words do not run together.
 */
export function stripControls(text: string): string {
  return stripVTControlCharacters(text).replace(LINE_BREAK, ' ').replace(CONTROL, '');
}

/** A path as printed: unchanged when plain, JSON-quoted (`"a\nb.md"`) when it holds controls. */
export function printablePath(path: string): string {
  if (!UNUSUAL.test(path)) return path;
  return JSON.stringify(path).replace(
    UNESCAPED,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
