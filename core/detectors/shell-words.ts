/**
 * A small, linear shell-ish tokenizer for commands found in tool arguments: splits on
 * ; && || | & and newlines, then on whitespace, dropping quotes. Not a shell parser: it
 * is enough to see which command runs with which flags, which is what the detectors need.
 */
export interface Segment {
  /** Command words with quotes removed. */
  words: string[];
  /** True when this segment reads the previous one's output through a pipe. */
  piped: boolean;
}

export const MAX_COMMAND_CHARS = 64 * 1024;

// | & ; newline ( ) ` $ (only "$(" separates; a lone "$" is skipped).
const SEPARATOR = /[|&;\n()`$]/g;
const PIPE = 124;
const AMP = 38;
const DOLLAR = 36;
const OPEN_PAREN = 40;

/**
 * The commands in `text` (its first MAX_COMMAND_CHARS characters), in order: at most
 * `limit` of them, the split stopping there (a caller that judges only the first ones need
 * not pay for splitting a hostile script's thousands of others).
 */
export function splitCommands(text: string, limit = Infinity): Segment[] {
  const src = text.length > MAX_COMMAND_CHARS ? text.slice(0, MAX_COMMAND_CHARS) : text;
  const segments: Segment[] = [];
  let from = 0;
  let piped = false;
  // Slices between separators (no per-character string building: hostile input is long).
  const cut = (to: number, skip: number, nextPiped: boolean) => {
    const words = src.slice(from, to).split(/\s+/).map(unquote).filter((w) => w.length > 0);
    if (words.length > 0) for (const command of unwrap({ words, piped })) segments.push(command);
    from = to + skip;
    piped = nextPiped;
  };
  // The regex engine finds the next separator far faster than a loop over every character.
  SEPARATOR.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (segments.length < limit && (m = SEPARATOR.exec(src)) !== null) {
    const i = m.index;
    const c = src.charCodeAt(i);
    const next = src.charCodeAt(i + 1);
    if (c === PIPE && next === PIPE) { cut(i, 2, false); SEPARATOR.lastIndex = i + 2; continue; }
    if (c === AMP && next === AMP) { cut(i, 2, false); SEPARATOR.lastIndex = i + 2; continue; }
    if (c === PIPE) { cut(i, 1, true); continue; }
    if (c === DOLLAR) { if (next === OPEN_PAREN) { cut(i, 2, false); SEPARATOR.lastIndex = i + 2; } continue; }
    cut(i, 1, false);
  }
  if (segments.length < limit) cut(src.length, 0, false);
  return segments.length > limit ? segments.slice(0, limit) : segments;
}

function unquote(word: string): string {
  return isQuote(word.charCodeAt(0)) || isQuote(word.charCodeAt(word.length - 1)) ? word.replace(/^["']+|["']+$/g, '') : word;
}

const isQuote = (c: number) => c === 34 || c === 39;

const WRAPPERS = new Set(['sudo', 'doas', 'env', 'nohup', 'time', 'command', 'exec', 'xargs', 'nice', 'ionice', 'stdbuf', 'timeout']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish']);

/** The command's own name, without its folder (/bin/rm → rm; rm.exe → rm). */
export function commandName(word: string): string {
  const base = word.slice(Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\')) + 1).toLowerCase();
  return base.endsWith('.exe') ? base.slice(0, -4) : base;
}

/**
 * Strips wrappers (sudo, env A=b, nohup, timeout 5, ...) so the real command comes first,
 * and opens `sh -c "..."` so the inner command is judged too. `sudo` is kept as a flag
 * by repeating it as the segment's first word only when it was present.
 */
function unwrap(seg: Segment): Segment[] {
  let words = seg.words;
  let sudo = false;
  for (let guard = 0; guard < 16 && words.length > 0; guard++) {
    const name = commandName(words[0]);
    if (WRAPPERS.has(name)) {
      if (name === 'sudo' || name === 'doas') sudo = true;
      words = words.slice(1);
      // Options and arguments of the wrapper itself (sudo -u root, timeout 5, nice -n 10).
      while (words.length > 0 && (words[0].startsWith('-') || /^\d+[smhd]?$/.test(words[0]))) words = words.slice(1);
      continue;
    }
    if (words[0].includes('=') && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) { words = words.slice(1); continue; }
    break;
  }
  const out: Segment[] = [];
  if (words.length >= 3 && SHELLS.has(commandName(words[0])) && words[1] === '-c') {
    out.push({ words: words.slice(2), piped: false });
  }
  if (words.length > 0) out.unshift({ words, piped: seg.piped });
  if (sudo) out.push({ words: ['sudo', ...words], piped: false });
  return out;
}
