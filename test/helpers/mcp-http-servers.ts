import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { McpHttpExchange } from '../../core/protocols/mcp/http-exchange.js';
import type { McpHttpSessions } from '../../core/protocols/mcp/http-sessions.js';
import type { McpFacts } from '../../core/protocols/mcp/session.js';
import { buildTestMcpServer } from './mcp-sdk-pair.js';

/** Real MCP servers from the official SDK over HTTP, and a tapping relay in front of them. */

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: http.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** Streamable HTTP, stateful (the server assigns Mcp-Session-Id), one client. */
export async function startStreamableServer() {
  const mcp = buildTestMcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
  await mcp.server.connect(transport);
  const server = http.createServer((req, res) => {
    void transport.handleRequest(req, res);
  });
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}/mcp`, readFile: mcp.readFile, close: closer(server) };
}

/** The legacy HTTP+SSE transport: GET /sse, then POST /messages?sessionId=…. */
export async function startLegacySseServer() {
  const mcp = buildTestMcpServer();
  const transports = new Map<string, SSEServerTransport>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const t = new SSEServerTransport('/messages', res);
      transports.set(t.sessionId, t);
      void mcp.server.connect(t);
      return;
    }
    const t = transports.get(url.searchParams.get('sessionId') ?? '');
    if (req.method === 'POST' && t) {
      void t.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}/sse`, readFile: mcp.readFile, close: closer(server) };
}

/**
 * A reverse relay that forwards every byte as it comes (no buffering of responses) and
 * feeds a McpHttpExchange, the way Belay's proxy does; collects every fact.
 */
export async function startTapRelay(upstreamPort: number, sessions: McpHttpSessions, client = 'test-client') {
  const facts: McpFacts[] = [];
  const errors: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const ex = new McpHttpExchange(sessions, { method: req.method ?? 'GET', host: `127.0.0.1:${upstreamPort}`, path: req.url ?? '/', headers: req.headers }, client, body);
      facts.push(...ex.requestFacts);
      if (ex.requestError) errors.push(ex.requestError);
      const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${upstreamPort}` } }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.flushHeaders();
        ex.onResponseHeaders(upRes.statusCode ?? 502, upRes.headers);
        upRes.on('data', (c: Buffer) => {
          res.write(c);
          facts.push(...ex.onResponseChunk(c));
        });
        upRes.on('end', () => {
          res.end();
          facts.push(...ex.onResponseEnd());
          if (ex.responseError) errors.push(ex.responseError);
        });
      });
      up.on('error', (err) => {
        errors.push(err.message);
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      res.on('close', () => up.destroy());
      up.end(body);
    });
  });
  const port = await listen(server);
  return { port, facts, errors, close: closer(server) };
}
