/**
 * Makes untrusted text safe to show a human, in a terminal, a notification or a web page:
 * terminal escape sequences and control characters removed, bidirectional overrides and
 * invisible characters (zero-width, Unicode tags) made visible as \u{...}, length capped.
 * Tool names, arguments and descriptions come from models and servers: a prompt that
 * shows them must not be rewritten by them.
 */
export const NEUTRALISE_MAX = 2000;

// ESC [ ... final byte (CSI), ESC ] ... BEL or ESC \ (OSC), other two-byte ESC sequences.
const ANSI = /\u001b\[[0-?]{0,32}[ -/]{0,8}[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]{0,32}[ -/]{0,8}[@-~]/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u{e0000}-\u{e007f}]/gu;

export function neutralise(text: unknown, max = NEUTRALISE_MAX): string {
  let s = typeof text === 'string' ? text : text === undefined || text === null ? '' : String(text);
  // Cap first (with room for escapes) so the regexes below always run on bounded input.
  if (s.length > max * 4) s = s.slice(0, max * 4);
  s = s
    .replace(ANSI, '')
    .replace(CONTROL, '')
    .replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;
}

/** One line: newlines become spaces too (titles, list rows). */
export function neutraliseLine(text: unknown, max = 200): string {
  return neutralise(text, max * 2).replace(/[\r\n]+/g, ' ').slice(0, max);
}
