import type { NewAuditEvent, Transport } from '../../shared/events.js';
import type { ServerInfo, ToolChange, ToolVersion } from './inventory.js';

/** Audit events for what the inventory notices; the caller appends them to the log. */

const MAX_DESCRIPTION = 8 * 1024;

export interface InventoryEventContext {
  transport?: Exclude<Transport, 'internal'>;
  session?: string;
}

/** A `tool.changed` event: the readable diff and both versions (descriptions capped). */
export function toolChangedEvent(change: ToolChange, ctx: InventoryEventContext = {}): NewAuditEvent {
  return {
    type: 'tool.changed',
    protocol: 'mcp',
    transport: ctx.transport ?? 'proxy',
    client: change.client,
    server: change.server,
    tool: change.tool,
    // A changed tool is the rug-pull signal; a new tool on a known server is worth a look.
    risk: change.kind === 'changed' ? 'medium' : 'low',
    ...(ctx.session ? { session: ctx.session } : {}),
    data: {
      change: change.kind,
      diff: change.diff,
      pin: change.pin,
      ...(change.previousPin ? { previousPin: change.previousPin } : {}),
      ...(change.before ? { before: versionData(change.before) } : {}),
      after: versionData(change.after),
      serverKnown: change.serverKnown,
    },
  };
}

/** A `server.new` event: first time this client was seen talking to this server. */
export function newServerEvent(client: string, server: string, info: ServerInfo = {}, ctx: InventoryEventContext = {}): NewAuditEvent {
  return {
    type: 'server.new',
    protocol: 'mcp',
    transport: ctx.transport ?? 'proxy',
    client,
    server,
    risk: 'low',
    ...(ctx.session ? { session: ctx.session } : {}),
    data: { ...info },
  };
}

function versionData(v: ToolVersion): Record<string, unknown> {
  const truncated = v.description.length > MAX_DESCRIPTION;
  return {
    pin: v.pin,
    ...(v.title ? { title: v.title } : {}),
    description: truncated ? v.description.slice(0, MAX_DESCRIPTION) : v.description,
    ...(truncated ? { descriptionTruncated: true } : {}),
    inputSchema: v.inputSchema,
    annotations: v.annotations,
  };
}
