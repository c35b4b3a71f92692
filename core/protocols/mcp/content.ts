/**
 * Text of MCP result content (tools/call, resources/read, prompts/get), joined and capped:
 * detectors scan it (a tool result is text going back to the model) and the log shows its
 * start. Binary parts are named, never copied.
 */
export interface ContentText {
  text: string;
  /** True when the joined text was longer than the cap and was cut. */
  truncated: boolean;
  /** Content part types in order, e.g. ["text", "image"]. */
  types: string[];
}

export const DEFAULT_MAX_TEXT = 64 * 1024;

export function joinContent(parts: unknown, max = DEFAULT_MAX_TEXT): ContentText {
  const texts: string[] = [];
  const types: string[] = [];
  if (Array.isArray(parts)) {
    for (const p of parts) {
      if (!p || typeof p !== 'object') continue;
      const o = p as Record<string, unknown>;
      const type = typeof o.type === 'string' ? o.type : 'unknown';
      types.push(type);
      const t = partText(type, o);
      if (t !== undefined) texts.push(t);
    }
  }
  return cap(texts.join('\n'), types, max);
}

/** resources/read contents: [{ uri, mimeType, text | blob }]. */
export function joinResourceContents(contents: unknown, max = DEFAULT_MAX_TEXT): ContentText {
  const texts: string[] = [];
  const types: string[] = [];
  if (Array.isArray(contents)) {
    for (const c of contents) {
      if (!c || typeof c !== 'object') continue;
      const o = c as Record<string, unknown>;
      if (typeof o.text === 'string') {
        types.push('text');
        texts.push(o.text);
      } else if (typeof o.blob === 'string') {
        types.push('blob');
        texts.push(`[blob ${typeof o.mimeType === 'string' ? o.mimeType : 'binary'}]`);
      }
    }
  }
  return cap(texts.join('\n'), types, max);
}

/** prompts/get result messages: [{ role, content: part }]. */
export function joinPromptMessages(messages: unknown, max = DEFAULT_MAX_TEXT): ContentText {
  const parts = Array.isArray(messages) ? messages.map((m) => (m && typeof m === 'object' ? (m as Record<string, unknown>).content : undefined)) : [];
  return joinContent(parts, max);
}

function partText(type: string, o: Record<string, unknown>): string | undefined {
  switch (type) {
    case 'text':
      return typeof o.text === 'string' ? o.text : undefined;
    case 'resource': {
      const r = o.resource as Record<string, unknown> | undefined;
      if (r && typeof r.text === 'string') return r.text;
      return r && typeof r.uri === 'string' ? `[resource ${r.uri}]` : '[resource]';
    }
    case 'resource_link':
      return typeof o.uri === 'string' ? `[resource link ${o.uri}]` : '[resource link]';
    default:
      return `[${type}${typeof o.mimeType === 'string' ? ` ${o.mimeType}` : ''}]`;
  }
}

function cap(text: string, types: string[], max: number): ContentText {
  if (text.length <= max) return { text, truncated: false, types };
  return { text: text.slice(0, max), truncated: true, types };
}
