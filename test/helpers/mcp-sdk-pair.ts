import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/**
 * A real MCP client and server from the official SDK, linked in memory, with every
 * message that crosses recorded in order: what Belay's parser must understand.
 */
export interface RecordedMessage {
  dir: 'c2s' | 's2c';
  msg: JSONRPCMessage;
}

/** The test server: two tools (read-only and destructive), a resource and a prompt. */
export function buildTestMcpServer() {
  const server = new McpServer({ name: 'belay-test-files', version: '2.0.0' }, { instructions: 'Files in the test folder.' });
  const readFile = server.registerTool(
    'read_file',
    { title: 'Read file', description: 'Read a file.', inputSchema: { path: z.string() }, annotations: { readOnlyHint: true } },
    async ({ path }) => ({ content: [{ type: 'text', text: `contents of ${path}` }] }),
  );
  server.registerTool(
    'delete_file',
    { description: 'Delete a file.', inputSchema: { path: z.string() }, annotations: { destructiveHint: true } },
    async () => ({ content: [{ type: 'text', text: 'no such file' }], isError: true }),
  );
  server.registerResource('readme', 'file:///project/README.md', { mimeType: 'text/markdown' }, async (uri) => ({
    contents: [{ uri: uri.href, text: '# Readme' }],
  }));
  server.registerPrompt('review', { argsSchema: { code: z.string() } }, ({ code }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Review: ${code}` } }],
  }));
  return { server, readFile };
}

export async function startSdkPair() {
  const wire: RecordedMessage[] = [];
  const { server, readFile } = buildTestMcpServer();

  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  tap(clientSide, 'c2s', wire);
  tap(serverSide, 's2c', wire);
  const client = new Client({ name: 'belay-test-client', version: '0.0.1' });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    server,
    readFile,
    wire,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

function tap(t: InMemoryTransport, dir: RecordedMessage['dir'], wire: RecordedMessage[]): void {
  const send = t.send.bind(t);
  t.send = async (msg, opts) => {
    wire.push({ dir, msg: structuredClone(msg) });
    return send(msg, opts);
  };
}
