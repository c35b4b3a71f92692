import { getNodeValue } from 'jsonc-parser';
import { nodeAt, type JsoncDoc } from './jsonc-doc.js';
import type { JsonPath, McpConfigLocation, ServerInfo } from './types.js';
import { parseWrapped, staleReason, transportOf } from './wrapper.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every server entry in a parsed config file, in file order. */
export function listServers(loc: McpConfigLocation, doc: JsoncDoc): ServerInfo[] {
  const out: ServerInfo[] = [];
  for (const container of loc.containers(doc.value)) {
    const node = nodeAt(doc, container);
    if (!node || node.type !== 'object') continue;
    for (const prop of node.children ?? []) {
      const name = prop.children?.[0]?.value as string;
      const valueNode = prop.children?.[1];
      if (typeof name !== 'string' || !valueNode) continue;
      out.push(describeServer(loc, container, name, getNodeValue(valueNode)));
    }
  }
  return out;
}

export function describeServer(loc: McpConfigLocation, container: JsonPath, name: string, entry: unknown): ServerInfo {
  const base = { client: loc.client, file: loc.path, scope: loc.scope, container, name };
  const transport = transportOf(entry);
  if (!isObject(entry)) return { ...base, transport, protected: false };
  if (transport !== 'stdio') return { ...base, transport, protected: false, url: String(entry.url ?? entry.serverUrl ?? '') };
  const wrapped = parseWrapped(entry.command, entry.args);
  if (wrapped) return { ...base, transport, protected: true, stale: staleReason(wrapped), command: wrapped.command, args: wrapped.args };
  const args = Array.isArray(entry.args) ? entry.args.map(argText) : [];
  return { ...base, transport, protected: false, command: String(entry.command), args };
}

/** An argument as the client would pass it; a non-string (invalid in a config, but seen) as its JSON. */
function argText(a: unknown): string {
  return typeof a === 'string' ? a : JSON.stringify(a) ?? String(a);
}
