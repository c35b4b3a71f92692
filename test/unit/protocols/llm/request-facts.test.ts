import { describe, expect, it } from 'vitest';
import { anthropicMessagesParser } from '../../../../core/protocols/llm/anthropic-messages.js';
import { geminiParser } from '../../../../core/protocols/llm/gemini.js';
import { openaiChatParser } from '../../../../core/protocols/llm/openai-chat.js';
import { openaiResponsesParser } from '../../../../core/protocols/llm/openai-responses.js';

describe('parseRequest', () => {
  it('OpenAI chat: tools, system, texts and tool results named from the earlier call', () => {
    const facts = openaiChatParser.parseRequest({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      tools: [
        { type: 'function', function: { name: 'read_file', parameters: {} } },
        { type: 'function', function: { name: 'run_shell' } },
      ],
      messages: [
        { role: 'system', content: 'You are a coding agent.' },
        { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Read .env' }, { type: 'image_url', image_url: { url: 'data:...' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":".env"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'AWS_SECRET_ACCESS_KEY=abc' },
      ],
    });
    expect(facts).toEqual({
      model: 'gpt-4o',
      stream: true,
      toolsOffered: ['read_file', 'run_shell'],
      system: 'You are a coding agent.\nBe brief.',
      messageCount: 5,
      texts: ['You are a coding agent.', 'Be brief.', 'Read .env', 'AWS_SECRET_ACCESS_KEY=abc'],
      toolResults: [{ toolCallId: 'call_1', name: 'read_file', text: 'AWS_SECRET_ACCESS_KEY=abc' }],
    });
  });

  it('OpenAI Responses: instructions, input items, function_call_output, built-in and MCP tools', () => {
    const facts = openaiResponsesParser.parseRequest({
      model: 'gpt-5',
      instructions: 'Be careful.',
      tools: [{ type: 'function', name: 'shell' }, { type: 'web_search' }, { type: 'mcp', server_label: 'github', server_url: 'https://x' }],
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'list files' }] },
        { type: 'function_call', call_id: 'call_9', name: 'shell', arguments: '{"cmd":"ls"}' },
        { type: 'function_call_output', call_id: 'call_9', output: 'a.txt\nb.txt' },
      ],
    });
    expect(facts).toEqual({
      model: 'gpt-5',
      stream: false,
      toolsOffered: ['shell', 'web_search', 'mcp:github'],
      system: 'Be careful.',
      messageCount: 3,
      texts: ['Be careful.', 'list files', 'a.txt\nb.txt'],
      toolResults: [{ toolCallId: 'call_9', name: 'shell', text: 'a.txt\nb.txt' }],
    });
    expect(openaiResponsesParser.parseRequest({ model: 'gpt-5', input: 'hello', stream: true })).toMatchObject({ stream: true, messageCount: 1, texts: ['hello'] });
  });

  it('Anthropic: system blocks, tool_result with nested content', () => {
    const facts = anthropicMessagesParser.parseRequest({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      stream: true,
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'Bash', input_schema: {} }, { type: 'web_search_20250305', name: 'web_search' }],
      messages: [
        { role: 'user', content: 'fix the build' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'npm test' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'FAIL src/a.test.ts' }] }, { type: 'text', text: 'go on' }] },
      ],
    });
    expect(facts).toEqual({
      model: 'claude-sonnet-4-5',
      stream: true,
      toolsOffered: ['Bash', 'web_search'],
      system: 'You are Claude Code.',
      messageCount: 3,
      texts: ['You are Claude Code.', 'fix the build', 'FAIL src/a.test.ts', 'go on'],
      toolResults: [{ toolCallId: 'toolu_1', name: 'Bash', text: 'FAIL src/a.test.ts' }],
    });
  });

  it('Gemini: systemInstruction, functionDeclarations, functionResponse (snake_case too)', () => {
    const facts = geminiParser.parseRequest({
      system_instruction: { parts: [{ text: 'Answer in French.' }] },
      tools: [{ functionDeclarations: [{ name: 'get_weather' }] }, { googleSearch: {} }],
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }] },
      ],
    });
    expect(facts).toEqual({
      stream: false,
      toolsOffered: ['get_weather', 'googleSearch'],
      system: 'Answer in French.',
      messageCount: 3,
      texts: ['Answer in French.', 'Weather in Paris?', '{"temp":21}'],
      toolResults: [{ name: 'get_weather', text: '{"temp":21}' }],
    });
  });

  it('any shape of junk gives empty facts, never a throw', () => {
    for (const p of [openaiChatParser, openaiResponsesParser, anthropicMessagesParser, geminiParser]) {
      for (const body of [undefined, null, 42, 'text', [], { messages: 'nope', tools: {}, input: 5, contents: [null, 3] }]) {
        const f = p.parseRequest(body);
        expect(f.toolsOffered).toEqual([]);
        expect(f.stream).toBe(false);
      }
    }
  });
});
