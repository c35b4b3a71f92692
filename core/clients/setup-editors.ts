import { findNodeAtLocation, getNodeValue, type Edit } from 'jsonc-parser';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { inverseEdits, modifyText, parseJsonc } from './jsonc-doc.js';
import { editorUserDir } from './locations.js';
import { sha256, type SettingChange } from './state.js';
import { proxyUrl, type ClientPlan, type PlannedFile, type ReadFile, type SetupContext } from './setup-types.js';
import type { JsonPath } from './types.js';

/** What a new settings.json starts as, so undo can tell a file it created is back to nothing. */
export const EMPTY_SETTINGS = '{\n}\n';

export function editorSettingsFile(client: 'cursor' | 'vscode', ctx: SetupContext): string {
  return path.join(editorUserDir(ctx.env, client), 'settings.json');
}

/**
 * The keys that send an editor's traffic (extensions, Copilot, Cursor's chat) through
 * Belay. `override` makes extensions use http.proxy even when they bring their own agent;
 * Cursor sends its AI traffic over HTTP/2, which bypasses http.proxy in VS Code forks,
 * unless HTTP/2 is turned off.
 */
export function editorSettings(client: 'cursor' | 'vscode', ctx: SetupContext): [JsonPath, unknown][] {
  const keys: [JsonPath, unknown][] = [
    [['http.proxy'], proxyUrl(ctx)],
    [['http.proxySupport'], 'override'],
  ];
  if (client === 'cursor') keys.push([['cursor.general.disableHttp2'], true]);
  return keys;
}

/**
 * Sets the keys in settings.json (JSONC: comments and formatting kept), recording the
 * inverse edits (byte-exact undo) and each key's previous value (undo after the user
 * edited the file). Throws ConfigParseError for a file that does not parse.
 */
export function planSettingsFile(file: string, before: string | undefined, wanted: [JsonPath, unknown][]): PlannedFile {
  let text = before ?? EMPTY_SETTINGS;
  let doc = parseJsonc(file, text);
  const settings: SettingChange[] = [];
  const undo: Edit[][] = [];
  for (const [at, value] of wanted) {
    const node = doc.root ? findNodeAtLocation(doc.root, at) : undefined;
    const existed = node !== undefined;
    const previous = node ? (getNodeValue(node) as unknown) : undefined;
    if (existed && isDeepStrictEqual(previous, value)) continue;
    const edit = modifyText(text, at, value);
    undo.unshift(inverseEdits(text, edit.edits, 0));
    settings.push({ at, existed, ...(existed ? { previous } : {}), written: value });
    text = edit.text;
    doc = parseJsonc(file, text);
  }
  if (settings.length === 0) return { file, before, after: before };
  return {
    file,
    before,
    after: text,
    record: { file, kind: 'json-settings', created: before === undefined, afterHash: sha256(text), undo, settings },
  };
}

export function planEditor(client: 'cursor' | 'vscode', ctx: SetupContext, read: ReadFile): ClientPlan {
  const file = editorSettingsFile(client, ctx);
  const planned = planSettingsFile(file, read(file), editorSettings(client, ctx));
  const name = client === 'cursor' ? 'Cursor' : 'VS Code';
  const replaced = planned.record?.settings?.find((s) => s.at[0] === 'http.proxy' && s.existed && typeof s.previous === 'string' && s.previous !== '');
  return {
    files: [planned],
    notes: replaced
      ? [`${name} used the proxy ${String(replaced.previous)}: set "proxy": { "upstreamProxy": "${String(replaced.previous)}" } in Belay's settings.json so Belay forwards through it.`]
      : [],
    instructions: [
      `Trust Belay's CA in the OS store (${name} checks certificates against it): belay ca install`,
      `Restart ${name} so it reads the new settings.`,
    ],
    works: [
      `${name}'s extensions${client === 'cursor' ? ", Cursor's chat and agent" : ' (GitHub Copilot included)'} send their HTTP(S) through Belay (http.proxy, http.proxySupport: override).`,
      ...(client === 'cursor' ? ['HTTP/2 is turned off (cursor.general.disableHttp2) because HTTP/2 traffic bypasses http.proxy in VS Code forks.'] : []),
    ],
    limits: [
      ...(client === 'cursor'
        ? ["Cursor's own backend (*.cursor.sh) speaks protobuf over streams and pins its TLS: Belay passes it through uninspected (settings.proxy.tlsPassthrough)."]
        : []),
      `Language servers and terminals ${name} starts do not read http.proxy; for terminals use \`eval "$(belay env)"\`.`,
    ],
  };
}
