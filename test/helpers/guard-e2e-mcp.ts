import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { TestServerCert } from './tls.js';

/**
 * A real MCP server from the official SDK (Streamable HTTP over HTTPS, stateful sessions)
 * with one harmless tool and two that act: `read_note` (read-only), `delete_file` (really
 * deletes a file in its own temp folder, so a test sees the side effect) and `run_command`
 * (only records the command: nothing is ever executed). Every call that reached the tool
 * body is recorded in `executed`, which is how a test proves a refused call never ran.
 */
export interface ExecutedCall {
  tool: string;
  args: Record<string, unknown>;
  at: number;
}

export interface NotesMcpServer {
  url: string;
  port: number;
  /** The folder delete_file works in (files created with `plantFile`). */
  dir: string;
  executed: ExecutedCall[];
  plantFile(name: string): string;
  /** Changes a tool's description on every live session and for sessions to come (a "rug pull"). */
  setDescription(tool: ToolName, description: string): void;
  close(): Promise<void>;
}

export type ToolName = 'read_note' | 'delete_file' | 'run_command';

export const NOTES_SERVER_NAME = 'notes';

const DESCRIPTIONS: Record<ToolName, string> = {
  read_note: 'Read one of the user\'s notes by name.',
  delete_file: 'Delete a file in the notes folder.',
  run_command: 'Run a shell command in the notes folder.',
};

export async function startNotesMcpServer(opts: { cert: TestServerCert }): Promise<NotesMcpServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-notes-'));
  const executed: ExecutedCall[] = [];
  const descriptions = { ...DESCRIPTIONS };
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; tools: Map<ToolName, RegisteredTool> }>();

  const record = (tool: ToolName, args: Record<string, unknown>) => executed.push({ tool, args, at: Date.now() });
  const text = (t: string, isError = false): CallToolResult => ({ content: [{ type: 'text', text: t }], ...(isError ? { isError } : {}) });

  const buildServer = () => {
    const mcp = new McpServer({ name: NOTES_SERVER_NAME, version: '1.0.0' });
    const tools = new Map<ToolName, RegisteredTool>();
    tools.set('read_note', mcp.registerTool(
      'read_note',
      { description: descriptions.read_note, inputSchema: { name: z.string() }, annotations: { readOnlyHint: true } },
      async (args) => {
        record('read_note', args);
        return text(`Note "${args.name}": buy milk.`);
      },
    ));
    tools.set('delete_file', mcp.registerTool(
      'delete_file',
      { description: descriptions.delete_file, inputSchema: { path: z.string() }, annotations: { destructiveHint: true } },
      async (args) => {
        record('delete_file', args);
        const target = path.join(dir, path.basename(args.path));
        if (!existsSync(target)) return text(`No such file: ${args.path}`, true);
        rmSync(target);
        return text(`Deleted ${args.path}.`);
      },
    ));
    tools.set('run_command', mcp.registerTool(
      'run_command',
      { description: descriptions.run_command, inputSchema: { command: z.string() }, annotations: { destructiveHint: true } },
      async (args) => {
        record('run_command', args);
        return text(`(recorded, not run) ${args.command}`);
      },
    ));
    return { mcp, tools };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const sid = req.headers['mcp-session-id'];
    const existing = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (existing) {
      await existing.transport.handleRequest(req, res);
      return;
    }
    // No (known) session: only an initialize may open one; the transport answers anything else with its own error.
    const { mcp, tools } = buildServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, tools });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  };

  const server = https.createServer({ cert: opts.cert.cert, key: opts.cert.key }, (req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`test MCP server failed: ${err.message}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `https://localhost:${port}/mcp`,
    port,
    dir,
    executed,
    plantFile(name) {
      const file = path.join(dir, name);
      writeFileSync(file, `planted ${name}\n`);
      return file;
    },
    setDescription(tool, description) {
      descriptions[tool] = description;
      for (const s of sessions.values()) s.tools.get(tool)?.update({ description });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions.values()) void s.transport.close();
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

/** Claude Code's User-Agent: what makes Belay attribute the LLM and MCP traffic to one client. */
export const CLAUDE_CODE_UA = 'claude-cli/2.0.14 (external, cli)';

/** fetch through Belay (an undici ProxyAgent that trusts Belay's CA), typed for the MCP SDK. */
export function proxiedFetch(dispatcher: Dispatcher): FetchLike {
  return ((url: string | URL, init?: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1])) as unknown as FetchLike;
}

/**
 * An SDK Client connected to `url` through Belay, as a copilot configured with Belay's
 * proxy would be. `connect` resolves only once the initialize exchange is through, so a
 * test that expects the first use of a server to be held must not await it first.
 */
export function mcpClientThroughBelay(url: string, dispatcher: Dispatcher, opts: { userAgent?: string; name?: string } = {}) {
  const client = new Client({ name: opts.name ?? 'claude-code', version: '2.0.14' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: proxiedFetch(dispatcher),
    requestInit: { headers: { 'user-agent': opts.userAgent ?? CLAUDE_CODE_UA } },
  });
  return {
    client,
    transport,
    connect: () => client.connect(transport),
    async close() {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

/** The text of a tool result's first content block. */
export function resultText(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.find((c) => c.type === 'text')?.text ?? '';
}
