import { describe, expect, it } from 'vitest';
import { classify, type Classification, type RequestMeta } from '../../../core/protocols/classify.js';

const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
const req = (method: string, url: string, headers: RequestMeta['headers'] = {}): RequestMeta => {
  const u = new URL(url);
  return { method, host: u.host, path: u.pathname + u.search, headers };
};
const chatBody = (model: string, stream = false) => json({ model, stream, messages: [{ role: 'user', content: 'hi' }] });

type Row = [string, RequestMeta, Buffer | undefined, Partial<Classification>];

const llmRows: Row[] = [
  ['OpenAI chat, streamed', req('POST', 'https://api.openai.com/v1/chat/completions'), chatBody('gpt-4o', true), { protocol: 'llm', provider: 'openai', api: 'openai-chat', model: 'gpt-4o', stream: true }],
  ['OpenAI Responses', req('POST', 'https://api.openai.com/v1/responses'), json({ model: 'gpt-5', input: 'hi' }), { provider: 'openai', api: 'openai-responses', model: 'gpt-5', stream: false }],
  ['Anthropic', req('POST', 'https://api.anthropic.com/v1/messages', { 'anthropic-version': '2023-06-01' }), json({ model: 'claude-sonnet-4-5', max_tokens: 10, stream: true, messages: [] }), { provider: 'anthropic', api: 'anthropic-messages', model: 'claude-sonnet-4-5', stream: true }],
  ['Anthropic wire format on a relay host', req('POST', 'https://llm-gw.corp.example/anthropic/v1/messages?beta=true', { 'anthropic-version': '2023-06-01' }), json({ model: 'claude-opus-4-5' }), { protocol: 'llm', provider: 'anthropic-compatible', api: 'anthropic-messages', model: 'claude-opus-4-5' }],
  ['Gemini generateContent', req('POST', 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent'), json({ contents: [] }), { provider: 'google', api: 'gemini', model: 'gemini-2.5-flash', stream: false }],
  ['Gemini SSE stream', req('POST', 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse'), undefined, { provider: 'google', api: 'gemini', model: 'gemini-2.5-pro', stream: true }],
  ['Vertex Gemini', req('POST', 'https://us-central1-aiplatform.googleapis.com/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.0-flash-001:streamGenerateContent'), undefined, { provider: 'vertex', api: 'gemini', model: 'gemini-2.0-flash-001', stream: true }],
  ['Vertex Anthropic', req('POST', 'https://europe-west1-aiplatform.googleapis.com/v1/projects/p/locations/europe-west1/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict'), json({ anthropic_version: 'vertex-2023-10-16', stream: true }), { provider: 'vertex-anthropic', api: 'anthropic-messages', model: 'claude-sonnet-4-5@20250929', stream: true }],
  ['Gemini wire format on any host', req('POST', 'http://10.0.0.5:8000/v1beta/models/gemma-3:generateContent'), undefined, { provider: 'google', api: 'gemini', model: 'gemma-3' }],
  ['Mistral', req('POST', 'https://api.mistral.ai/v1/chat/completions'), chatBody('mistral-large-latest', true), { provider: 'mistral', api: 'openai-chat', stream: true }],
  ['Groq', req('POST', 'https://api.groq.com/openai/v1/chat/completions'), chatBody('llama-3.3-70b-versatile'), { provider: 'groq', api: 'openai-chat', model: 'llama-3.3-70b-versatile' }],
  ['OpenRouter', req('POST', 'https://openrouter.ai/api/v1/chat/completions'), chatBody('anthropic/claude-sonnet-4.5', true), { provider: 'openrouter', api: 'openai-chat', model: 'anthropic/claude-sonnet-4.5' }],
  ['DeepSeek (no /v1)', req('POST', 'https://api.deepseek.com/chat/completions'), chatBody('deepseek-chat'), { provider: 'deepseek', api: 'openai-chat' }],
  ['Azure deployment: model from the URL when the body has none', req('POST', 'https://myres.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21'), json({ messages: [] }), { provider: 'azure-openai', api: 'openai-chat', model: 'gpt4o-prod' }],
  ['Azure Responses', req('POST', 'https://myres.openai.azure.com/openai/v1/responses'), json({ model: 'gpt-4.1' }), { provider: 'azure-openai', api: 'openai-responses', model: 'gpt-4.1' }],
  ['Bedrock converse-stream', req('POST', 'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream'), json({ messages: [] }), { provider: 'bedrock', api: 'bedrock-converse', model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', stream: true }],
  ['Bedrock invoke (Anthropic body)', req('POST', 'https://bedrock-runtime.eu-west-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke'), json({ anthropic_version: 'bedrock-2023-05-31' }), { provider: 'bedrock', api: 'anthropic-messages', stream: false }],
  ['Bedrock invoke stream (Anthropic events in event-stream frames)', req('POST', 'https://bedrock-runtime.us-west-2.amazonaws.com/model/anthropic.claude-haiku-4-5-20251001-v1:0/invoke-with-response-stream'), json({ anthropic_version: 'bedrock-2023-05-31' }), { provider: 'bedrock', api: 'anthropic-messages', stream: true }],
  ['Bedrock invoke of a non-Anthropic model', req('POST', 'https://bedrock-runtime.us-west-2.amazonaws.com/model/meta.llama3-70b-instruct-v1:0/invoke'), json({ prompt: 'hi' }), { protocol: 'llm', provider: 'bedrock', api: undefined }],
  ['Ollama native chat streams by default', req('POST', 'http://127.0.0.1:11434/api/chat'), json({ model: 'llama3.2', messages: [] }), { provider: 'ollama', api: 'ollama-chat', model: 'llama3.2', stream: true }],
  ['Ollama OpenAI-compatible', req('POST', 'http://localhost:11434/v1/chat/completions'), chatBody('qwen3:8b', true), { provider: 'ollama', api: 'openai-chat', stream: true }],
  ['LM Studio on loopback', req('POST', 'http://localhost:1234/v1/chat/completions'), chatBody('local-model'), { provider: 'local', api: 'openai-chat' }],
  ['OpenAI-compatible on any host', req('POST', 'https://llm.internal.example/v1/chat/completions'), chatBody('my-model'), { protocol: 'llm', provider: 'openai-compatible', api: 'openai-chat' }],
  ['/v1/responses on any host', req('POST', 'https://gw.example/v1/responses'), json({ model: 'x' }), { provider: 'openai-compatible', api: 'openai-responses' }],
  ['GitHub Copilot', req('POST', 'https://api.githubcopilot.com/chat/completions', { 'copilot-integration-id': 'vscode-chat' }), chatBody('gpt-4.1', true), { provider: 'github-copilot', api: 'openai-chat' }],
  ['other call to a provider host', req('GET', 'https://api.openai.com/v1/models'), undefined, { protocol: 'llm', provider: 'openai', api: undefined }],
  ['Anthropic count_tokens is not a generation', req('POST', 'https://api.anthropic.com/v1/messages/count_tokens', { 'anthropic-version': '2023-06-01' }), json({ model: 'claude-haiku-4-5' }), { protocol: 'llm', provider: 'anthropic', api: undefined }],
];

const mcpRows: Row[] = [
  ['Streamable HTTP initialize', req('POST', 'https://mcp.example.com/mcp', { accept: 'application/json, text/event-stream', 'content-type': 'application/json' }), json({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18' } }), { protocol: 'mcp', mcpTransport: 'streamable-http', mcpMethod: 'initialize' }],
  ['tools/call with session header', req('POST', 'http://127.0.0.1:3000/mcp', { 'mcp-session-id': 'abc', 'mcp-protocol-version': '2025-06-18' }), json({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'x' } }), { protocol: 'mcp', mcpMethod: 'tools/call' }],
  ['batch of notifications', req('POST', 'http://127.0.0.1:3000/mcp'), json([{ jsonrpc: '2.0', method: 'notifications/initialized' }]), { protocol: 'mcp', mcpMethod: 'notifications/initialized' }],
  ['GET server stream with session', req('GET', 'http://127.0.0.1:3000/mcp', { accept: 'text/event-stream', 'mcp-session-id': 's1' }), undefined, { protocol: 'mcp', mcpTransport: 'streamable-http' }],
  ['DELETE session', req('DELETE', 'http://127.0.0.1:3000/mcp', { 'mcp-session-id': 's1' }), undefined, { protocol: 'mcp' }],
  ['client response to a sampling request (no method)', req('POST', 'http://127.0.0.1:3000/mcp', { 'mcp-session-id': 's1' }), json({ jsonrpc: '2.0', id: 7, result: {} }), { protocol: 'mcp' }],
  ['legacy SSE GET', req('GET', 'http://localhost:8931/sse', { accept: 'text/event-stream' }), undefined, { protocol: 'mcp', mcpTransport: 'sse-legacy' }],
  ['legacy SSE POST', req('POST', 'http://localhost:8931/messages?sessionId=4f2a'), json({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), { protocol: 'mcp', mcpTransport: 'sse-legacy', mcpMethod: 'tools/list' }],
  ['legacy POST with a truncated body', req('POST', 'http://localhost:8931/messages?sessionId=4f2a'), Buffer.from('{"jsonrpc":"2.0","id":1,"meth'), { protocol: 'mcp', mcpTransport: 'sse-legacy' }],
];

const a2aRows: Row[] = [
  ['agent card', req('GET', 'https://agent.example.com/.well-known/agent-card.json'), undefined, { protocol: 'a2a', a2a: { kind: 'agent-card' } }],
  ['older agent.json', req('GET', 'https://agent.example.com/.well-known/agent.json'), undefined, { protocol: 'a2a', a2a: { kind: 'agent-card' } }],
  ['v0.3 message/send', req('POST', 'https://agent.example.com/a2a', { accept: 'application/json, text/event-stream' }), json({ jsonrpc: '2.0', id: 1, method: 'message/send', params: {} }), { protocol: 'a2a', a2a: { kind: 'rpc', method: 'message/send' } }],
  ['v0.3 tasks/pushNotificationConfig/set', req('POST', 'https://agent.example.com/'), json({ jsonrpc: '2.0', id: 2, method: 'tasks/pushNotificationConfig/set' }), { protocol: 'a2a', a2a: { kind: 'rpc', method: 'tasks/pushNotificationConfig/set' } }],
  ['v1.0 SendStreamingMessage', req('POST', 'https://agent.example.com/rpc', { 'a2a-version': '1.0' }), json({ jsonrpc: '2.0', id: 'x', method: 'SendStreamingMessage' }), { protocol: 'a2a', a2a: { kind: 'rpc', method: 'SendStreamingMessage' } }],
  ['A2A-Version header alone', req('GET', 'https://agent.example.com/v1/tasks/123', { 'a2a-version': '1.0' }), undefined, { protocol: 'a2a', a2a: { kind: 'rpc' } }],
];

const httpRows: Row[] = [
  ['plain page', req('GET', 'https://example.com/'), undefined, { protocol: 'http' }],
  ['app /api/chat on localhost is not Ollama', req('POST', 'http://localhost:3000/api/chat'), json({ messages: [] }), { protocol: 'http' }],
  ['JSON-RPC that is neither MCP nor A2A', req('POST', 'https://eth.example/rpc'), json({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' }), { protocol: 'http' }],
  ['/v1/messages without anthropic-version on an unknown host', req('POST', 'https://chat.example/v1/messages'), json({ text: 'hi' }), { protocol: 'http' }],
  ['binary body', req('POST', 'https://upload.example/put'), Buffer.from([0xff, 0xd8, 0xff, 0xe0]), { protocol: 'http' }],
  ['Cursor backend (Connect-RPC)', req('POST', 'https://api2.cursor.sh/aiserver.v1.ChatService/StreamUnifiedChatWithTools', { 'content-type': 'application/connect+proto' }), Buffer.from([0, 0, 0, 0, 5]), { protocol: 'http' }],
];

describe('classify', () => {
  for (const [name, meta, body, expected] of [...llmRows, ...mcpRows, ...a2aRows, ...httpRows]) {
    it(name, () => {
      const c = classify(meta, body);
      expect(c).toMatchObject(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined)));
      if ('api' in expected && expected.api === undefined) expect(c.api).toBeUndefined();
    });
  }

  it('accepts an already-parsed body instead of bytes', () => {
    const c = classify(req('POST', 'https://api.openai.com/v1/chat/completions'), undefined, { model: 'gpt-4.1', stream: true });
    expect(c).toMatchObject({ api: 'openai-chat', model: 'gpt-4.1', stream: true });
  });

  it('a missing, truncated or non-JSON body never throws and still names the provider', () => {
    for (const body of [undefined, Buffer.alloc(0), Buffer.from('{"model":"gpt-4o","str'), Buffer.from('\x00\x01garbage'), Buffer.from('[1,2')]) {
      const c = classify(req('POST', 'https://api.openai.com/v1/chat/completions'), body);
      expect(c).toMatchObject({ protocol: 'llm', provider: 'openai', api: 'openai-chat', stream: false });
      expect(c.model).toBeUndefined();
    }
  });

  it('reads host ports and upper-case hosts', () => {
    expect(classify({ method: 'post', host: 'LOCALHOST:11434', path: '/api/chat', headers: {} }, json({ model: 'm' }))).toMatchObject({ provider: 'ollama', api: 'ollama-chat' });
    expect(classify({ method: 'POST', host: 'localhost', port: 11434, path: '/api/chat', headers: {} })).toMatchObject({ provider: 'ollama' });
    expect(classify({ method: 'POST', host: '[::1]:1234', path: '/v1/chat/completions', headers: {} })).toMatchObject({ provider: 'local' });
  });

  it('a malformed %-escape in a model path is kept as sent', () => {
    const c = classify(req('POST', 'https://bedrock-runtime.us-east-1.amazonaws.com/model/bad%ZZid/converse'), undefined);
    expect(c).toMatchObject({ provider: 'bedrock', model: 'bad%ZZid' });
  });
});
