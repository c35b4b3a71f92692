// A real MCP server (the SDK's Server over stdio) with one tool, `lookup`, whose
// description comes from TOOL_DESCRIPTION: run it twice with different texts to play a
// server whose tool changed between two sessions (a "rug pull").
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'described', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    {
      name: 'lookup',
      description: process.env.TOOL_DESCRIPTION ?? 'Looks a word up.',
      inputSchema: { type: 'object', properties: { word: { type: 'string' } } },
    },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, async (req) => ({
  content: [{ type: 'text', text: `looked up ${req.params.arguments?.word ?? ''}` }],
}));
await server.connect(new StdioServerTransport());
