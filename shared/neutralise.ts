/**
 * Makes untrusted text (tool names, arguments, descriptions, server names: all chosen by
 * a model or an MCP server) safe to show in an approval prompt, a notification or the
 * dashboard. A hostile server must not be able to make a prompt lie: no bidi overrides
 * that reverse what is read, no terminal escapes, no invisible characters, no walls of
 * text that push the real danger off screen.
 */

// Bidi controls (LRE..RLO, LRI..PDI, LRM/RLM/ALM), zero-width, Unicode tags and other invisible format characters.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\u206A-\u206F\uFEFF\u061C\u180E\u{E0000}-\u{E007F}]/gu;
// ANSI/VT escape sequences (CSI, OSC, single-character escapes).
const ANSI = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g;
// Remaining C0/C1 control characters except tab and newline.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

export interface NeutraliseOptions {
  /** Longest text kept (characters); the rest becomes "… (N more characters)". */
  max?: number;
  /** Keep newlines (multi-line views) or fold them to spaces (one-line labels). */
  multiline?: boolean;
}

export function neutralise(input: unknown, opts: NeutraliseOptions = {}): string {
  const max = opts.max ?? 200;
  let s = typeof input === 'string' ? input : input === undefined ? '' : safeJson(input);
  // Bound the work before any regex runs: the input is attacker-sized.
  const originalLength = s.length;
  if (s.length > max * 4) s = s.slice(0, max * 4);
  // Invisible characters are shown, not dropped: the human should see that something was hidden there.
  s = s.replace(ANSI, '').replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).replace(CONTROL, '');
  if (!opts.multiline) s = s.replace(/[\r\n\t]+/g, ' ');
  if (s.length > max) s = `${s.slice(0, max)}… (${Math.max(s.length, originalLength) - max} more characters)`;
  return s;
}

/** True when neutralise() had to remove something a human should know was there. */
export function hadHiddenCharacters(input: string): boolean {
  return new RegExp(INVISIBLE.source, 'u').test(input) || new RegExp(ANSI.source).test(input) || /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/.test(input);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    // Cyclic or otherwise unserialisable: show what it is rather than throwing in a view.
    return String(v);
  }
}
