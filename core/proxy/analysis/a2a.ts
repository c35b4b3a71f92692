import type { GuardAction } from '../../pipeline/action.js';
import { redactUrl } from '../../audit/redact.js';
import { readA2aRequest } from '../../protocols/a2a/index.js';
import type { Classification } from '../../protocols/classify.js';
import type { RequestAnalysis, RequestHead } from '../analyzer.js';

/** An A2A call: agent-card fetches are logged; messages are judged like any outbound text. */
export function analyzeA2a(cls: Classification, head: RequestHead, body: unknown): RequestAnalysis {
  if (cls.a2a?.kind === 'agent-card') {
    return { base: { type: 'a2a.agent_card', protocol: 'a2a', server: head.host }, actions: [] };
  }
  const { facts } = body === undefined ? { facts: [] } : readA2aRequest(body);
  const first = facts[0];
  const action: GuardAction = {
    kind: 'a2a.message',
    client: head.client,
    transport: 'proxy',
    host: head.host,
    path: redactUrl(head.path),
    method: first?.method ?? cls.a2a?.method,
    server: head.host,
    texts: facts.map((f) => f.text).filter((t): t is string => Boolean(t)),
  };
  return {
    base: {
      type: 'a2a.message',
      protocol: 'a2a',
      server: head.host,
      method: action.method,
      data: { taskId: first?.taskId, contextId: first?.contextId, op: first?.op, version: first?.version },
    },
    actions: body === undefined ? [] : [action],
  };
}
