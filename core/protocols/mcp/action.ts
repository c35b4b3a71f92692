import { redactUrl } from '../../audit/redact.js';
import type { GuardAction } from '../../pipeline/action.js';
import { argumentsKey } from '../../timeline/arguments.js';
import type { McpFacts, McpSession } from './session.js';
import { hintsOf } from './tool.js';

/**
 * From MCP facts to what policy judges and what the log keeps. Shared by the proxy and
 * the stdio relay so both doors judge and record MCP the same way.
 */

export interface McpActionContext {
  client: string;
  transport: 'proxy' | 'stdio';
  /** Server identity: configured name (stdio) or host + path (HTTP). */
  server: string;
  /** The session the facts came from: supplies the called tool's hints and pin. */
  session?: McpSession;
  host?: string;
  path?: string;
}

/**
 * The guard action for one message. A tools/call request carries the tool's hints and pin
 * as the server last listed them (undefined when Belay never saw a tools/list: the policy
 * then judges by name and arguments alone); results carry the text going back to the model.
 */
export function toGuardAction(f: McpFacts, ctx: McpActionContext): GuardAction {
  const action: GuardAction = {
    kind: f.kind,
    client: ctx.client,
    transport: ctx.transport,
    server: ctx.server,
    ...(ctx.session?.sessionId ? { session: ctx.session.sessionId } : {}),
    ...(ctx.host ? { host: ctx.host } : {}),
    ...(ctx.path ? { path: ctx.path } : {}),
    ...(f.method ? { method: f.method } : {}),
  };
  if (f.toolCall) {
    action.tool = f.toolCall.name;
    action.arguments = f.toolCall.arguments;
    const known = ctx.session?.tool(f.toolCall.name);
    const hints = hintsOf(known);
    if (hints) action.annotations = hints;
    if (known) action.toolPin = known.pin;
    if (f.toolCall.result?.text) action.texts = [f.toolCall.result.text];
  }
  if (f.resource) {
    action.uri = f.resource.uri;
    if (f.resource.result?.text) action.texts = [f.resource.result.text];
  }
  if (f.prompt) {
    action.tool = f.prompt.name;
    if (f.prompt.arguments !== undefined) action.arguments = f.prompt.arguments;
    if (f.prompt.result?.text) action.texts = [f.prompt.result.text];
  }
  if (f.tools) action.toolDescriptions = f.tools.map((t) => ({ name: t.name, description: [t.title, t.annotations?.title, t.description].filter(Boolean).join('\n') }));
  if (f.initialize?.instructions) action.texts = [...(action.texts ?? []), f.initialize.instructions];
  return action;
}

/**
 * Compact, credential-free `data` for the audit event of one message: what happened,
 * never the arguments or result text themselves (those pass the audit's body redaction
 * only when the user opted in to storing bodies). `argsKey` lets the timeline link calls.
 */
export function mcpEventData(f: McpFacts): Record<string, unknown> {
  const d: Record<string, unknown> = { direction: f.direction, messageType: f.type };
  if (f.id !== undefined) d.id = f.id;
  if (f.matched === false) d.unmatched = true;
  if (f.initialize) d.initialize = { ...f.initialize, instructions: undefined, ...(f.initialize.instructions ? { instructionsLength: f.initialize.instructions.length } : {}) };
  if (f.tools) d.tools = f.tools.map((t) => ({ name: t.name, pin: t.pin, ...(t.annotations ? { annotations: hintsOf(t) } : {}) }));
  if (f.nextCursor) d.nextCursor = f.nextCursor;
  if (f.toolCall) {
    d.argsKey = argumentsKey(f.toolCall.arguments);
    if (f.toolCall.result) {
      d.isError = f.toolCall.result.isError;
      d.resultChars = f.toolCall.result.text.length;
      d.resultTypes = f.toolCall.result.types;
      if (f.toolCall.result.truncated) d.resultTruncated = true;
    }
  }
  // Resource URIs can carry credentials (postgres://user:pass@…, ?token=…).
  if (f.resource) d.uri = redactUrl(f.resource.uri);
  if (f.prompt) d.prompt = f.prompt.name;
  if (f.error) d.rpcError = { code: f.error.code, message: f.error.message.slice(0, 500) };
  if (f.listChanged) d.listChanged = f.listChanged;
  if (f.cancelledId !== undefined) d.cancelledId = f.cancelledId;
  return d;
}
