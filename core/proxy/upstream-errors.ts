import type { IncomingMessage, ServerResponse } from 'node:http';
import { getLocal } from './mockttp-lean.js';

/**
 * When an upstream cannot be reached (refused, reset, DNS failure, bad certificate),
 * mockttp answers the client with a bare `500 Server error` whose body is the Node error's
 * toString(). Copilots show that as a server bug. Belay answers `502 Bad Gateway` with a
 * message that says what failed and that Belay is the one saying it.
 *
 * mockttp binds its request handler in the constructor, so the wrapper goes on the
 * prototype once, before the first server is created.
 */
let installed = false;

const FAILURE_MESSAGES = new Set(['Server error', 'Error communicating with upstream server']);

export const UPSTREAM_FAILED_HEADER = 'x-belay-upstream-error';

export function installUpstreamErrorResponses(): void {
  if (installed) return;
  const proto = Object.getPrototypeOf(getLocal()) as {
    handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void>;
  };
  const original = proto.handleRequest;
  proto.handleRequest = function (this: unknown, req: IncomingMessage, res: ServerResponse) {
    rewriteFailureResponses(req, res);
    return original.call(this, req, res);
  };
  installed = true;
}

function rewriteFailureResponses(req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead;
  const end = res.end;
  let failure = false;
  let brokenMidResponse = false;
  // mockttp's failure path is exactly writeHead(status, message) with one of these two
  // messages and no headers (upstream failures carry the second).
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (args.length === 2 && FAILURE_MESSAGES.has(args[1] as string) && res.headersSent) {
      // The upstream died after its answer had begun (reset mid-stream). mockttp would now
      // append "Error: aborted" to the body and end it cleanly: the client would take a cut
      // stream or a corrupt JSON for a complete answer. Abort the client's response instead.
      brokenMidResponse = true;
    } else if (args.length === 2 && FAILURE_MESSAGES.has(args[1] as string)) {
      failure = true;
      return (writeHead as (...a: unknown[]) => ServerResponse).call(this, 502, 'Bad Gateway', {
        'content-type': 'text/plain; charset=utf-8',
        [UPSTREAM_FAILED_HEADER]: '1',
      });
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.writeHead;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (brokenMidResponse) {
      brokenMidResponse = false;
      this.destroy();
      return this;
    }
    if (failure && (typeof args[0] === 'string' || args[0] instanceof Uint8Array || args[0] === undefined)) {
      failure = false;
      const host = req.headers.host ?? 'the upstream server';
      const original = args[0] instanceof Uint8Array ? Buffer.from(args[0]).toString('utf8') : String(args[0] ?? '');
      return (end as (...a: unknown[]) => ServerResponse).call(this, `Belay could not complete the request to ${host}: ${describeUpstreamError(original)}\n`);
    }
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.end;
}

/** Turns Node's error text into words a developer can act on. */
export function describeUpstreamError(text: string): string {
  const table: [RegExp, string][] = [
    [/ECONNREFUSED/, 'the connection was refused (is the server running?)'],
    [/ENOTFOUND|EAI_AGAIN/, 'the host name could not be resolved (DNS failure)'],
    [/ECONNRESET|socket hang up/, 'the connection was reset by the server'],
    [/ETIMEDOUT|timed out/i, 'the connection timed out'],
    [/CERT|certificate|self[- ]signed|UNABLE_TO_VERIFY/i, "the server's TLS certificate is not trusted (add its CA to proxy.extraCaFiles if it is yours)"],
    [/EHOSTUNREACH|ENETUNREACH/, 'the host is unreachable'],
  ];
  const code = /\b(E[A-Z_]{3,}|[A-Z_]*CERT[A-Z_]*)\b/.exec(text)?.[1];
  for (const [pattern, words] of table) if (pattern.test(text)) return code ? `${words} [${code}]` : words;
  return text.replace(/^Error:\s*/, '').slice(0, 300) || 'unknown error';
}
