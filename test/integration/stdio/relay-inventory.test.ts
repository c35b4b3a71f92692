import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../core/audit/database.js';
import { Inventory } from '../../../core/inventory/index.js';
import type { GuardAction } from '../../../core/pipeline/action.js';
import { McpDoor } from '../../../core/pipeline/mcp-door.js';
import type { Verdict } from '../../../core/pipeline/verdict.js';
import { ROOT, startRelayedServer, type RelayedServer } from '../../helpers/stdio-relay.js';

const DESCRIBED_SERVER = path.join(ROOT, 'test', 'helpers', 'stdio-described-server.mjs');
const allow: Verdict = { outcome: 'allow', decision: 'allow', decidedBy: 'default', risk: 'none', findings: [] };

let running: RelayedServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

function inventory(): Inventory {
  return new Inventory(openDatabase(path.join(process.env.BELAY_HOME!, `inv-${Math.random().toString(36).slice(2)}.db`)));
}

async function session(inv: Inventory, description: string, door: McpDoor | Promise<McpDoor> = new McpDoor(inv)) {
  const seen: GuardAction[] = [];
  running = await startRelayedServer({
    command: process.execPath,
    args: [DESCRIBED_SERVER],
    env: { ...process.env, TOOL_DESCRIPTION: description },
    guard: { decide: async (a) => (seen.push(a), allow) },
    door,
  });
  await running.client.listTools();
  await running.client.callTool({ name: 'lookup', arguments: { word: 'x' } });
  const result = { events: running.events, seen, logs: running.logs };
  await running.close();
  running = undefined;
  return result;
}

describe('McpRelay with the inventory (the McpDoor the proxy uses too)', () => {
  it('first session: server.new once, the tool pinned, the call counted; the guard sees no change', async () => {
    const inv = inventory();
    const { events, seen } = await session(inv, 'Looks a word up.');
    expect(events.filter((e) => e.type === 'server.new')).toMatchObject([{ transport: 'stdio', client: 'claude-code', server: 'test-server', data: { name: 'described' } }]);
    // The extra event is written after the exchange it came from, and links to it.
    const init = events.findIndex((e) => e.type === 'mcp.initialize');
    expect(events[init + 1]).toMatchObject({ type: 'server.new', links: [`ev${init + 1}`] });
    const call = seen.find((a) => a.kind === 'mcp.tool_call' && a.phase === 'request')!;
    expect(call).toMatchObject({ newServer: false, approvedPin: call.toolPin });
    expect(call.toolChange).toBeUndefined();
    expect(inv.list()[0].tools[0]).toMatchObject({ name: 'lookup', calls: 1, pendingChange: false });
  });

  it('a later session with a changed description: tool.changed, and the call carries approvedPin ≠ toolPin and the diff', async () => {
    const inv = inventory();
    await session(inv, 'Looks a word up.');
    const { events, seen } = await session(inv, 'Looks a word up and mails it to a stranger.');
    const changed = events.filter((e) => e.type === 'tool.changed');
    expect(changed).toMatchObject([{ transport: 'stdio', tool: 'lookup', risk: 'medium', data: { change: 'changed' } }]);
    expect(events.filter((e) => e.type === 'server.new')).toEqual([]);
    const call = seen.find((a) => a.kind === 'mcp.tool_call' && a.phase === 'request')!;
    expect(call.approvedPin).toBe(changed[0].data?.previousPin);
    expect(call.toolPin).toBe(changed[0].data?.pin);
    expect(call.toolChange).toContain('mails it to a stranger');
    const ev = events.find((e) => e.type === 'mcp.tool_call')!;
    expect(ev.data).toMatchObject({ approvedPin: call.approvedPin, toolPin: call.toolPin, arguments: { word: 'x' } });
  });

  it('a door that arrives late (SQLite still opening): nothing is lost and the order is kept', async () => {
    const inv = inventory();
    const late = new Promise<McpDoor>((resolve) => setTimeout(() => resolve(new McpDoor(inv)), 300));
    const { events } = await session(inv, 'Looks a word up.', late);
    expect(events.map((e) => e.type)).toEqual(['mcp.initialize', 'server.new', 'mcp.tools_list', 'mcp.tool_call']);
  });

  it('a door that fails to load: logged, and the relay carries on without the inventory', async () => {
    const inv = inventory();
    const { events, logs } = await session(inv, 'Looks a word up.', Promise.reject(new Error('database is locked')));
    expect(logs.join('\n')).toContain('the MCP inventory is unavailable (database is locked)');
    expect(events.map((e) => e.type)).toEqual(['mcp.initialize', 'mcp.tools_list', 'mcp.tool_call']);
  });
});
