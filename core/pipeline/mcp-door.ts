import type { NewAuditEvent, Transport } from '../../shared/events.js';
import { Inventory, newServerEvent, toolChangedEvent } from '../inventory/index.js';
import { diffTools, mcpEventData, toGuardAction, type McpActionContext, type McpFacts } from '../protocols/mcp/index.js';
import type { TimelineLinker } from '../timeline/index.js';
import type { GuardAction } from './action.js';
import type { Verdict } from './verdict.js';

/**
 * What both MCP doors (the HTTP proxy and the stdio relay) do around the guard, in one
 * place so they judge and record MCP identically: enrich actions with what the inventory
 * knows (approved pin, first use of a server), keep the inventory current from what the
 * server answers, and shape the audit event of each message exchange.
 */
export interface McpDoorContext extends McpActionContext {
  transport: Exclude<Transport, 'internal'>;
}

export class McpDoor {
  constructor(
    private readonly inventory: Inventory | undefined,
    private readonly linker?: TimelineLinker,
  ) {}

  /** Guard actions for the client's messages, with the inventory's context attached. */
  actionsFor(requestFacts: McpFacts[], ctx: McpDoorContext): GuardAction[] {
    return requestFacts
      .filter((f) => f.type === 'request')
      .map((f) => {
        const action = toGuardAction(f, ctx);
        if (!this.inventory) return action;
        action.newServer = this.inventory.isNewServer(ctx.client, ctx.server);
        if (action.tool && f.kind === 'mcp.tool_call') {
          const state = this.inventory.toolState(ctx.client, ctx.server, action.tool);
          if (state) {
            action.approvedPin = state.pin;
            // The session may not have listed tools itself (a new connection reusing an old
            // listing): the inventory's latest version is then the current one.
            action.toolPin = action.toolPin ?? state.latestPin;
            if (action.toolPin !== state.pin) action.toolChange = this.describeChange(ctx, action.tool, state.pin, action.toolPin);
          }
        }
        return action;
      });
  }

  /**
   * Records what the server said (initialize, tools/list, calls) into the inventory.
   * Returns the extra events that deserve their own line: `server.new`, `tool.changed`.
   */
  observe(facts: McpFacts[], ctx: McpDoorContext): NewAuditEvent[] {
    if (!this.inventory) return [];
    const events: NewAuditEvent[] = [];
    const eventCtx = { transport: ctx.transport, session: ctx.session?.sessionId };
    for (const f of facts) {
      if (f.type === 'response' && f.initialize) {
        const info = { name: f.initialize.server?.name, version: f.initialize.server?.version, protocolVersion: f.initialize.protocolVersion };
        if (this.inventory.recordServer(ctx.client, ctx.server, info).isNew) events.push(newServerEvent(ctx.client, ctx.server, info, eventCtx));
      }
      if (f.type === 'response' && f.tools) {
        for (const change of this.inventory.recordToolsList(ctx.client, ctx.server, f.tools)) {
          if (change.kind === 'changed' || change.serverKnown) events.push(toolChangedEvent(change, eventCtx));
        }
      }
      if (f.type === 'request' && f.toolCall) this.inventory.recordCall(ctx.client, ctx.server, f.toolCall.name);
    }
    return events;
  }

  /**
   * The audit event for one exchange: the client's request (or notification) and, when it
   * came back in the same flow, the server's answer.
   */
  eventFor(request: McpFacts | undefined, response: McpFacts | undefined, ctx: McpDoorContext, verdict?: Verdict): Partial<NewAuditEvent> {
    const main = request ?? response;
    if (!main) return { type: 'mcp.message', protocol: 'mcp', server: ctx.server };
    const tool = main.toolCall?.name ?? main.prompt?.name;
    const data: Record<string, unknown> = {
      ...(request ? mcpEventData(request) : {}),
      // The call's arguments are kept (capped; the audit log scrubs secrets) so a security
      // reviewer sees what ran and `belay policy test` can replay argument rules.
      ...(request?.toolCall ? { arguments: capArguments(request.toolCall.arguments) } : {}),
      ...(request?.toolCall && ctx.session?.tool(request.toolCall.name) ? this.toolFacts(ctx, request.toolCall.name) : {}),
      ...(response ? { response: mcpEventData(response) } : {}),
      ...(response?.latencyMs !== undefined ? { rpcLatencyMs: response.latencyMs } : {}),
    };
    const links: string[] = [];
    if (request?.toolCall && this.linker) {
      const linked = this.linker.linkMcpCall({ client: ctx.client, server: ctx.server, name: request.toolCall.name, arguments: request.toolCall.arguments, at: request.at });
      if (linked) links.push(linked);
    }
    const error = response?.error
      ? `JSON-RPC error ${response.error.code}: ${response.error.message.slice(0, 200)}`
      : response?.toolCall?.result?.isError
        ? 'the tool reported an error'
        : undefined;
    return {
      type: main.kind,
      protocol: 'mcp',
      server: ctx.server,
      session: ctx.session?.sessionId,
      ...(tool ? { tool } : {}),
      ...(main.method ? { method: main.method } : {}),
      ...(links.length ? { links } : {}),
      ...(error && !verdict?.outcome?.startsWith('deny') ? { error } : {}),
      data,
    };
  }

  private toolFacts(ctx: McpDoorContext, tool: string): Record<string, unknown> {
    const known = ctx.session?.tool(tool);
    const approvedPin = this.inventory?.toolState(ctx.client, ctx.server, tool)?.pin;
    return {
      ...(known?.annotations ? { annotations: known.annotations } : {}),
      ...(known?.pin ? { toolPin: known.pin } : {}),
      ...(approvedPin ? { approvedPin } : {}),
    };
  }

  /** The readable diff between the approved version and the one the server now offers. */
  private describeChange(ctx: McpDoorContext, tool: string, approvedPin: string, currentPin: string): string | undefined {
    const versions = this.inventory?.versions(ctx.client, ctx.server, tool) ?? [];
    const approved = versions.find((v) => v.pin === approvedPin);
    const current = versions.find((v) => v.pin === currentPin);
    return approved && current ? diffTools(approved, current) : undefined;
  }
}

const MAX_LOGGED_ARGUMENTS = 4096;

/** Arguments as logged: whole when small, else a capped JSON preview. */
export function capArguments(args: unknown): unknown {
  const json = JSON.stringify(args ?? null);
  if (json.length <= MAX_LOGGED_ARGUMENTS) return args;
  return { truncated: true, preview: json.slice(0, MAX_LOGGED_ARGUMENTS) };
}
