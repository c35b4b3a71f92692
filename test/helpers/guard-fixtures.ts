import path from 'node:path';
import { openDatabase, type Database } from '../../core/audit/database.js';
import { belayPaths } from '../../core/paths.js';
import type { GuardAction } from '../../core/pipeline/action.js';

let n = 0;
/** A fresh, fully migrated SQLite file in the test's data folder. */
export function freshDb(): Database {
  return openDatabase(path.join(belayPaths().home, `guard-${process.pid}-${n++}.db`));
}

export const toolCall = (tool: string, args: unknown = {}, extra: Partial<GuardAction> = {}): GuardAction => ({
  kind: 'mcp.tool_call', client: 'cursor', transport: 'stdio', server: 'files', tool, arguments: args, ...extra,
});

/** Resolves after the event loop has run pending callbacks (lets held promises settle). */
export const tick = () => new Promise((r) => setImmediate(r));
