import { arr, isObj, str } from './format-handler.js';

/**
 * Text out of a message `content` in any of the common shapes: a string, or an array of
 * parts with a `text` field (OpenAI `text`/`input_text`, Anthropic `text`, Gemini parts),
 * nested `content` arrays included (Anthropic tool_result blocks). Images and files
 * contribute nothing.
 */
export function contentText(content: unknown, depth = 0): string {
  if (typeof content === 'string') return content;
  if (depth > 4) return '';
  if (isObj(content)) {
    const t = str(content.text);
    if (t !== undefined) return t;
    if (content.content !== undefined) return contentText(content.content, depth + 1);
    return '';
  }
  const parts: string[] = [];
  for (const p of arr(content)) {
    const t = contentText(p, depth + 1);
    if (t !== '') parts.push(t);
  }
  return parts.join('\n');
}

/** Tool output sent back can be text or structured JSON; detectors scan it either way. */
export function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output === undefined || output === null) return '';
  const t = contentText(output);
  if (t !== '') return t;
  try {
    return JSON.stringify(output);
  } catch {
    return ''; // unreachable for parsed JSON; a cyclic object cannot come off the wire
  }
}
