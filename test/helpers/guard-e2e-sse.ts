/**
 * Streamed LLM answers in the providers' exact wire formats (the same shapes as the
 * recorded fixtures in test/fixtures/llm), built for one scenario: some text, then a tool
 * call whose arguments arrive in fragments. One string per SSE event, for the fake
 * provider to send with delays between them.
 */

const sse = (event: string | undefined, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

/** Splits a JSON text in `parts` roughly equal fragments (how providers stream arguments). */
export function fragments(json: string, parts = 3): string[] {
  const size = Math.ceil(json.length / parts);
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
}

export interface ScriptedToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** An Anthropic Messages stream: text deltas, then a tool_use block, stop_reason tool_use. */
export function anthropicToolUseStream(opts: { model?: string; text: string[]; tool: ScriptedToolCall }): string[] {
  const model = opts.model ?? 'claude-sonnet-4-5-20250929';
  const events = [
    sse('message_start', {
      type: 'message_start',
      message: { id: 'msg_belay_guard_e2e', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 120, output_tokens: 1 } },
    }),
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ...opts.text.map((t) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } })),
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: opts.tool.id, name: opts.tool.name, input: {} } }),
    ...fragments(JSON.stringify(opts.tool.input)).map((p) =>
      sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: p } }),
    ),
    sse('content_block_stop', { type: 'content_block_stop', index: 1 }),
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } }),
    sse('message_stop', { type: 'message_stop' }),
  ];
  return events;
}

/** Index of the first event that belongs to the tool_use block (its content_block_start). */
export function anthropicToolBlockStart(events: string[]): number {
  return events.findIndex((e) => e.includes('"type":"tool_use"'));
}

/** An OpenAI chat-completions stream: content deltas, then one tool call in argument fragments, finish_reason tool_calls. */
export function openaiToolCallStream(opts: { model?: string; text: string[]; tool: ScriptedToolCall }): string[] {
  const model = opts.model ?? 'gpt-4o-2024-08-06';
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    sse(undefined, { id: 'chatcmpl-belay-guard-e2e', object: 'chat.completion.chunk', created: 1760000000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  return [
    chunk({ role: 'assistant', content: '' }),
    ...opts.text.map((t) => chunk({ content: t })),
    chunk({ tool_calls: [{ index: 0, id: opts.tool.id, type: 'function', function: { name: opts.tool.name, arguments: '' } }] }),
    ...fragments(JSON.stringify(opts.tool.input)).map((p) => chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] })),
    chunk({}, 'tool_calls'),
    'data: [DONE]\n\n',
  ];
}
