import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Verdict } from '../../core/pipeline/verdict.js';
import { createLlmExchange } from '../../core/protocols/llm/exchange.js';
import type { LlmToolCall } from '../../core/protocols/llm/types.js';
import { createToolUseGate, type GatedFlow } from '../../core/proxy/tool-use-gate.js';

/**
 * The tool-use gate on its own, for unit tests: a plain HTTP server stands in for the
 * client's side and hands each request it receives to the gate with the next flow given.
 */
export interface GateFront {
  /** Where a client sends its request. */
  url: string;
  /** The flow the next request is relayed with. */
  next(flow: GatedFlow): void;
  stop(): Promise<void>;
}

export async function startGateFront(): Promise<GateFront> {
  const gate = createToolUseGate({ trustedCAs: [], warn: () => {} });
  let nextFlow: GatedFlow | undefined;
  const front = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const flow = nextFlow!;
    nextFlow = undefined;
    await gate.relay(flow, { method: req.method!, headers: req.headers, body: Buffer.concat(chunks) }, res);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}/v1/chat/completions`,
    next: (flow) => {
      nextFlow = flow;
    },
    stop: async () => {
      front.closeAllConnections();
      await new Promise((r) => front.close(r));
    },
  };
}

/**
 * A plain (non-streamed) OpenAI Chat Completions call that offers one tool, gated to
 * `upstreamUrl`: its answer is parsed by the real exchange observer, each tool call is
 * allowed and reported to `onJudge`, each upstream error to `onError`.
 */
export function plainGatedFlow(upstreamUrl: string, hooks: { onJudge?(call: LlmToolCall): void; onError?(why: string): void } = {}): GatedFlow {
  const { host, pathname } = new URL(upstreamUrl);
  const exchange = createLlmExchange({ protocol: 'llm', provider: 'openai', api: 'openai-chat', stream: false }, { method: 'POST', host, path: pathname, client: 'test', body: { model: 'gpt-4o', messages: [], tools: [{ type: 'function', function: { name: 'run_shell' } }] } });
  const llm = exchange.observer();
  let facts: ReturnType<typeof llm.finish> | undefined;
  return {
    url: upstreamUrl,
    stream: false,
    observer: llm,
    judge: async (call) => {
      hooks.onJudge?.(call);
      return { outcome: 'allow', decision: 'allow', decidedBy: 'default', risk: 'none', findings: [] } as Verdict;
    },
    refusalMessage: () => 'refused',
    plainRefusal: (m) => ({ status: 403, headers: { 'content-type': 'text/plain' }, body: m }),
    onVerdicts: () => {},
    finish: (o) => (facts ??= llm.finish(o)),
    noteError: (why) => hooks.onError?.(why),
  };
}
