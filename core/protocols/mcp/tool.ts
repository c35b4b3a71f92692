import type { ToolAnnotations } from '../../pipeline/action.js';

/** One tool as a server described it in a tools/list result. Everything but name is untrusted. */
export interface McpTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: ToolAnnotations & Record<string, unknown>;
}

const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;

/**
 * Reads one entry of a tools/list result. Answers undefined for entries without a string
 * name (nothing can call them). Hints that are not booleans are dropped: a hint of "yes"
 * must not be read as true by one part of Belay and false by another.
 */
export function readTool(v: unknown): McpTool | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') return undefined;
  const tool: McpTool = { name: o.name };
  if (typeof o.title === 'string') tool.title = o.title;
  if (typeof o.description === 'string') tool.description = o.description;
  if (o.inputSchema !== undefined) tool.inputSchema = o.inputSchema;
  if (o.outputSchema !== undefined) tool.outputSchema = o.outputSchema;
  if (o.annotations && typeof o.annotations === 'object' && !Array.isArray(o.annotations)) {
    const a = o.annotations as Record<string, unknown>;
    const ann: ToolAnnotations & Record<string, unknown> = {};
    for (const [k, val] of Object.entries(a)) {
      if ((HINTS as readonly string[]).includes(k)) {
        if (typeof val === 'boolean') ann[k] = val;
      } else if (k === 'title') {
        if (typeof val === 'string') ann.title = val;
      } else {
        ann[k] = val;
      }
    }
    tool.annotations = ann;
  }
  return tool;
}

/** The hints a policy may match on, without any extra keys a server added. */
export function hintsOf(tool: McpTool | undefined): ToolAnnotations | undefined {
  const a = tool?.annotations;
  if (!a) return undefined;
  const out: ToolAnnotations = {};
  if (typeof a.title === 'string') out.title = a.title;
  for (const h of HINTS) if (typeof a[h] === 'boolean') out[h] = a[h];
  return out;
}
