import { ASPECT_PATTERN, SIZE_PATTERN } from '../config/schema.js';

/** Pure checks shared by the hero schema; each returns what is wrong and what to do, or nothing. */

export function aspectProblem(value: string): string | undefined {
  const match = ASPECT_PATTERN.exec(value.trim());
  if (!match) {
    return `aspect "${value}" is not a ratio; write it as "W:H" in quotes, e.g. aspect: "16:9"`;
  }
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width === 0 || height === 0) {
    return `aspect "${value}" needs both sides above 0; use e.g. "16:9"`;
  }
  if (width / height > 3 || height / width > 3) {
    return `aspect "${value}" is outside 1:3..3:1; use e.g. "16:9" or set size: "1536x864"`;
  }
  return undefined;
}

export function sizeProblem(value: string): string | undefined {
  if (!SIZE_PATTERN.test(value.trim())) {
    return `size "${value}" is not a pixel size; write it as "WIDTHxHEIGHT" in quotes, e.g. size: "1536x864"`;
  }
  return undefined;
}

/** Control characters other than newline and tab: invisible, and rejected or mangled by APIs. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

export function promptProblem(prompt: string): string | undefined {
  if (prompt.trim() === '') {
    return 'prompt is empty; describe what the image should show, e.g. prompt: "A lighthouse at dusk, watercolor"';
  }
  const control = CONTROL.exec(prompt);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `prompt contains an invisible control character (U+${code}) at position ${control.index + 1}; remove it (copying text from some apps adds them)`;
  }
  return undefined;
}
