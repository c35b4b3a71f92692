import { describe, expect, it } from 'vitest';
import { attributeClient, type ClientInfo } from '../../../core/protocols/client-attribution.js';

const rows: [string, Record<string, string | string[]>, ClientInfo][] = [
  ['Claude Code', { 'user-agent': 'claude-cli/2.0.14 (external, cli)', 'x-app': 'cli', 'x-stainless-lang': 'js', 'anthropic-version': '2023-06-01' }, { id: 'claude-code', name: 'Claude Code', version: '2.0.14' }],
  ['Claude Code by x-app alone', { 'user-agent': 'Anthropic/JS 0.60.0', 'x-app': 'cli', 'anthropic-version': '2023-06-01' }, { id: 'claude-code', name: 'Claude Code' }],
  ['Cursor', { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Cursor/1.7.44 Chrome/132.0.6834.210 Electron/34.5.8 Safari/537.36' }, { id: 'cursor', name: 'Cursor', version: '1.7.44' }],
  ['Cursor by header', { 'user-agent': 'connect-es/1.6.1', 'x-cursor-client-version': '1.7.44' }, { id: 'cursor', name: 'Cursor', version: '1.7.44' }],
  ['Claude Desktop', { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Claude/0.14.10 Chrome/138.0.7204.251 Electron/37.6.0 Safari/537.36' }, { id: 'claude-desktop', name: 'Claude Desktop', version: '0.14.10' }],
  ['Copilot Chat in VS Code', { 'user-agent': 'GitHubCopilotChat/0.31.5', 'editor-version': 'vscode/1.104.1', 'editor-plugin-version': 'copilot-chat/0.31.5', 'copilot-integration-id': 'vscode-chat' }, { id: 'vscode', name: 'VS Code', version: '1.104.1' }],
  ['VS Code itself', { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Code/1.104.1 Chrome/138.0.7204.235 Electron/37.3.1 Safari/537.36' }, { id: 'vscode', name: 'VS Code', version: '1.104.1' }],
  ['Windsurf', { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Windsurf/1.12.21 Chrome/132.0.6834.210 Electron/34.5.1 Safari/537.36' }, { id: 'windsurf', name: 'Windsurf', version: '1.12.21' }],
  ['OpenAI SDK (JS)', { 'user-agent': 'OpenAI/JS 6.30.1', 'x-stainless-lang': 'js', 'x-stainless-package-version': '6.30.1' }, { id: 'openai-sdk', name: 'OpenAI SDK', version: '6.30.1' }],
  ['OpenAI SDK (Python)', { 'user-agent': 'OpenAI/Python 1.99.9', 'x-stainless-lang': 'python' }, { id: 'openai-sdk', name: 'OpenAI SDK', version: '1.99.9' }],
  ['Anthropic SDK', { 'user-agent': 'Anthropic/JS 0.65.0', 'x-stainless-lang': 'js', 'anthropic-version': '2023-06-01' }, { id: 'anthropic-sdk', name: 'Anthropic SDK', version: '0.65.0' }],
  ['Stainless SDK without its UA', { 'x-stainless-lang': 'js', 'x-stainless-package-version': '0.65.0', 'anthropic-version': '2023-06-01' }, { id: 'anthropic-sdk', name: 'Anthropic SDK', version: '0.65.0' }],
  ['Google GenAI SDK', { 'user-agent': 'google-genai-sdk/1.20.0 gl-node/v20.19.0', 'x-goog-api-client': 'google-genai-sdk/1.20.0 gl-node/v20.19.0' }, { id: 'google-sdk', name: 'Google GenAI SDK', version: '1.20.0' }],
  ['MCP TypeScript SDK client', { 'user-agent': 'node', 'mcp-protocol-version': '2025-06-18', accept: 'application/json, text/event-stream' }, { id: 'mcp-sdk', name: 'MCP client', version: '2025-06-18' }],
  ['python httpx', { 'user-agent': 'python-httpx/0.28.1' }, { id: 'python', name: 'Python', version: '0.28.1' }],
  ['python requests', { 'user-agent': 'python-requests/2.32.3' }, { id: 'python', name: 'Python', version: '2.32.3' }],
  ['curl', { 'user-agent': 'curl/8.5.0' }, { id: 'curl', name: 'curl', version: '8.5.0' }],
  ['MCP SDK initialize (no MCP header yet)', { 'user-agent': 'node', accept: 'application/json, text/event-stream', 'content-type': 'application/json' }, { id: 'mcp-sdk', name: 'MCP client' }],
  ['a browser asking for JSON or SSE is not an MCP client', { 'user-agent': 'Mozilla/5.0 Firefox/128.0', accept: 'application/json, text/event-stream' }, { id: 'unknown', name: 'Unknown' }],
  ['no headers', {}, { id: 'unknown', name: 'Unknown' }],
  ['a browser', { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' }, { id: 'unknown', name: 'Unknown' }],
  ['repeated header given as an array', { 'user-agent': ['curl/8.5.0'] }, { id: 'curl', name: 'curl', version: '8.5.0' }],
];

describe('attributeClient', () => {
  for (const [name, headers, expected] of rows) {
    it(name, () => {
      expect(attributeClient(headers)).toEqual(expected);
    });
  }
});
