import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/events.js';
import { connectControl, type ControlClient } from '../../../core/control/client.js';
import type { ProviderRequest, Reply } from '../../helpers/fake-provider.js';
import { anthropicToolBlockStart, anthropicToolUseStream, openaiToolCallStream } from '../../helpers/guard-e2e-sse.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';

// The official SDKs stream answers through Belay from a fake provider that sends one SSE
// event every DELAY ms. The answer holds text, then a risky tool call: Belay passes the
// text at once and holds the tool call's block until the guard has judged it (the default
// policy: catastrophic commands denied, destructive ones asked).
let world: ProxyWorld;
let anthropic: Anthropic;
let openai: OpenAI;
let control: ControlClient;

const DELAY = 120;
const TEXT = ['Sure, ', 'I will clean ', 'that up now.'];
const bashTool = { name: 'bash', description: 'Run a shell command', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } }, required: ['command'] } };

/** Scripted answers, picked by a marker in the prompt (no marker may contain another). */
const scripts = new Map<string, string[]>();
function scripted(req: ProviderRequest): Reply | undefined {
  const text = req.body?.toString('utf8') ?? '';
  for (const [marker, events] of scripts) if (text.includes(marker)) return { headers: { 'content-type': 'text/event-stream' }, events };
  return undefined;
}

beforeAll(async () => {
  world = await startProxyWorld({ realHosts: true, delayMs: DELAY });
  world.provider.handle(scripted);
  const fetchOptions = { dispatcher: world.belay.dispatcher } as unknown as RequestInit;
  anthropic = new Anthropic({ apiKey: 'sk-ant-test-guard-e2e', baseURL: 'https://api.anthropic.com', fetchOptions, maxRetries: 0 });
  openai = new OpenAI({ apiKey: 'sk-test-guard-e2e', baseURL: 'https://api.openai.com/v1', fetchOptions, maxRetries: 0 });
  control = (await connectControl(world.belay.paths))!;
  expect(control).toBeDefined();
});
afterAll(async () => {
  await world?.stop();
});

interface Seen<T> {
  events: { ev: T; at: number }[];
  error?: unknown;
  done: Promise<void>;
}

/** Reads a stream in the background, timestamping every event the SDK yields. */
function read<T>(stream: AsyncIterable<T>): Seen<T> {
  const seen: Seen<T> = { events: [], done: Promise.resolve() };
  seen.done = (async () => {
    try {
      for await (const ev of stream) seen.events.push({ ev, at: Date.now() });
    } catch (err) {
      seen.error = err;
    }
  })();
  return seen;
}

async function toolUseEvent(tool: string, args: unknown): Promise<AuditEvent> {
  const [e] = await world.belay.waitForEvents((x) => x.type === 'llm.tool_use' && x.tool === tool && JSON.stringify(x.data.arguments) === JSON.stringify(args));
  return e;
}

type AnthropicEvent = Anthropic.MessageStreamEvent;
const isToolBlock = (e: AnthropicEvent) =>
  (e.type === 'content_block_start' && e.content_block.type === 'tool_use') || (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta');
const textOf = (events: { ev: AnthropicEvent }[]) =>
  events.map(({ ev }) => (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta' ? ev.delta.text : '')).join('');

describe('@anthropic-ai/sdk stream with a risky tool_use', () => {
  it('denied by policy (rm -rf ~/): the text arrives first, then the SDK raises the stream error and never yields the tool_use', async () => {
    const events = anthropicToolUseStream({ text: TEXT, tool: { id: 'toolu_guard_deny', name: 'bash', input: { command: 'rm -rf ~/' } } });
    scripts.set('CASE-DENY', events);
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 512, tools: [bashTool], messages: [{ role: 'user', content: 'CASE-DENY free some disk space' }] });
    const seen = read(stream);
    await seen.done;

    expect(seen.error).toBeInstanceOf(Anthropic.APIError);
    expect((seen.error as Error).message).toContain('"message":"Blocked by Belay: The command could wipe a disk or your home folder. The tool call was not delivered."');
    expect(textOf(seen.events)).toBe(TEXT.join(''));
    expect(seen.events.filter(({ ev }) => isToolBlock(ev))).toEqual([]);
    // The text reached the client before the provider had even started the tool block.
    const log = world.provider.streams.at(-1)!;
    const firstText = seen.events.find(({ ev }) => ev.type === 'content_block_delta')!.at;
    expect(firstText).toBeLessThan(log.sentAt[anthropicToolBlockStart(events)]);

    const e = await toolUseEvent('bash', { command: 'rm -rf ~/' });
    expect(e).toMatchObject({ decision: 'deny', decidedBy: 'policy', rule: 'deny-catastrophic-commands', risk: 'critical', client: 'anthropic-sdk' });
    expect(e.data.outcome).toBe('deny');
    expect((e.data.findings as { detector: string }[]).map((f) => f.detector)).toContain('destructive-command');
    const [request] = await world.belay.waitForEvents((x) => x.type === 'llm.request' && (e.links ?? []).includes(x.id));
    expect(request.data.toolCallsRefused).toBe(1);
  });

  it('asked (git push --force): nothing of the block reaches the client until a human allows it; then it arrives intact', async () => {
    const events = anthropicToolUseStream({ text: TEXT, tool: { id: 'toolu_guard_ask', name: 'bash', input: { command: 'git push --force origin main' } } });
    scripts.set('CASE-ASK-ALLOW', events);
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 512, tools: [bashTool], messages: [{ role: 'user', content: 'CASE-ASK-ALLOW publish my branch' }] });
    const seen = read(stream);

    let pending: Awaited<ReturnType<ControlClient['approvals']>>[number] | undefined;
    while (!pending) {
      pending = (await control.approvals()).find((a) => a.subject.kind === 'llm.tool_use');
      if (!pending) await new Promise((r) => setTimeout(r, 25));
    }
    expect(pending).toMatchObject({ rule: 'ask-destructive-commands', subject: { tool: 'bash', client: 'anthropic-sdk' } });
    // Wait until the provider has sent everything: the client still has only the text.
    while (world.provider.streams.at(-1)?.endedAt === undefined) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 200));
    expect(textOf(seen.events)).toBe(TEXT.join(''));
    expect(seen.events.filter(({ ev }) => isToolBlock(ev))).toEqual([]);
    const heldSince = Date.now();

    expect(await control.decide(pending.id, { decision: 'allow', by: 'test' })).toBe(true);
    await seen.done;
    expect(seen.error).toBeUndefined();
    const toolStart = seen.events.find(({ ev }) => ev.type === 'content_block_start' && ev.content_block.type === 'tool_use')!;
    expect(toolStart.at).toBeGreaterThanOrEqual(heldSince);
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.filter((b) => b.type === 'tool_use')).toEqual([{ type: 'tool_use', id: 'toolu_guard_ask', name: 'bash', input: { command: 'git push --force origin main' } }]);

    const e = await toolUseEvent('bash', { command: 'git push --force origin main' });
    expect(e).toMatchObject({ decision: 'ask', decidedBy: 'human', rule: 'ask-destructive-commands', risk: 'high' });
    expect(e.data).toMatchObject({ outcome: 'allow', approvalId: pending.id });
    expect(e.data.heldMs).toBeGreaterThan(0);
  });

  it('asked and denied by the human: the SDK raises the stream error; the tool_use never arrives', async () => {
    scripts.set('CASE-HUMAN-DENY', anthropicToolUseStream({ text: TEXT, tool: { id: 'toolu_guard_ask_deny', name: 'bash', input: { command: 'git reset --hard HEAD~3' } } }));
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 512, tools: [bashTool], messages: [{ role: 'user', content: 'CASE-HUMAN-DENY undo my last commits' }] });
    const seen = read(stream);
    let id: string | undefined;
    while (!id) {
      id = (await control.approvals()).find((a) => a.subject.kind === 'llm.tool_use')?.id;
      if (!id) await new Promise((r) => setTimeout(r, 25));
    }
    expect(await control.decide(id, { decision: 'deny', by: 'test' })).toBe(true);
    await seen.done;
    expect(seen.error).toBeInstanceOf(Anthropic.APIError);
    expect((seen.error as Error).message).toContain('Blocked by Belay');
    expect(seen.events.filter(({ ev }) => isToolBlock(ev))).toEqual([]);
    const e = await toolUseEvent('bash', { command: 'git reset --hard HEAD~3' });
    expect(e).toMatchObject({ decision: 'ask', decidedBy: 'human' });
    expect(e.data).toMatchObject({ outcome: 'deny', approvalId: id });
  });
});

describe('openai SDK chat-completions stream with a risky tool call', () => {
  it('denied by policy: content deltas arrive, then the SDK raises the error chunk; no tool_calls delta is yielded', async () => {
    scripts.set('CASE-OPENAI-DENY', openaiToolCallStream({ text: TEXT, tool: { id: 'call_guard_deny', name: 'shell', input: { command: 'rm -rf ~/' } } }));
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'CASE-OPENAI-DENY free some disk space' }],
      tools: [{ type: 'function', function: { name: 'shell', parameters: { type: 'object', properties: { command: { type: 'string' } } } } }],
    });
    const seen = read(stream);
    await seen.done;
    expect(seen.error).toBeInstanceOf(OpenAI.APIError);
    expect((seen.error as Error).message).toContain('Blocked by Belay');
    expect(seen.events.map(({ ev }) => ev.choices[0]?.delta.content ?? '').join('')).toBe(TEXT.join(''));
    expect(seen.events.filter(({ ev }) => ev.choices[0]?.delta.tool_calls)).toEqual([]);
    const e = await toolUseEvent('shell', { command: 'rm -rf ~/' });
    expect(e).toMatchObject({ decision: 'deny', decidedBy: 'policy', rule: 'deny-catastrophic-commands', client: 'openai-sdk', provider: 'openai' });
  });
});

describe('other answer shapes', () => {
  it('a plain (non-streamed) Anthropic answer with a denied tool_use becomes the provider\'s 403 error; the SDK never sees the tool_use', async () => {
    const marker = 'CASE-PLAIN-DENY';
    world.provider.handle((req: ProviderRequest) =>
      req.body?.toString('utf8').includes(marker)
        ? {
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              id: 'msg_plain_deny', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', stop_reason: 'tool_use', stop_sequence: null,
              content: [{ type: 'text', text: 'Cleaning up.' }, { type: 'tool_use', id: 'toolu_plain', name: 'bash', input: { command: 'rm -rf /' } }],
              usage: { input_tokens: 50, output_tokens: 20 },
            }),
          }
        : undefined,
    );
    try {
      const err = await anthropic.messages
        .create({ model: 'claude-sonnet-4-6', max_tokens: 256, tools: [bashTool], messages: [{ role: 'user', content: `${marker} free disk space` }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
      expect(JSON.stringify((err as InstanceType<typeof Anthropic.PermissionDeniedError>).error)).toContain('Blocked by Belay: The command could wipe a disk or your home folder. The tool call was not delivered.');
      const e = await toolUseEvent('bash', { command: 'rm -rf /' });
      expect(e).toMatchObject({ decision: 'deny', decidedBy: 'policy', rule: 'deny-catastrophic-commands' });
    } finally {
      world.provider.handle(scripted);
    }
  });

  it('an OpenAI Responses stream (recorded fixture) reading ~/.ssh/id_rsa is asked; denied, the SDK raises an error and never yields the function call', async () => {
    const stream = await openai.responses.create({
      model: 'gpt-4.1',
      input: 'Read my ssh key',
      stream: true,
      tools: [{ type: 'function', name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } }, strict: false }],
    });
    const seen = read(stream);
    let id: string | undefined;
    while (!id) {
      id = (await control.approvals()).find((a) => a.subject.kind === 'llm.tool_use' && a.subject.tool === 'read_file')?.id;
      if (!id) await new Promise((r) => setTimeout(r, 25));
    }
    const pending = (await control.approvals()).find((a) => a.id === id)!;
    expect(pending.rule).toBe('ask-sensitive-paths');
    expect(await control.decide(id, { decision: 'deny', by: 'test' })).toBe(true);
    await seen.done;
    expect(seen.error).toBeInstanceOf(OpenAI.APIError);
    expect(String((seen.error as Error).message)).toContain('Blocked by Belay');
    const types = seen.events.map(({ ev }) => ev.type);
    expect(types[0]).toBe('response.created');
    const calls = seen.events.filter(({ ev }) => (ev.type === 'response.output_item.added' || ev.type === 'response.output_item.done') && ev.item.type === 'function_call');
    expect(calls).toEqual([]);
    expect(types).not.toContain('response.function_call_arguments.delta');
    const e = await toolUseEvent('read_file', { path: '~/.ssh/id_rsa' });
    expect(e).toMatchObject({ decision: 'ask', decidedBy: 'human', rule: 'ask-sensitive-paths' });
    expect(e.data.outcome).toBe('deny');
  });
});

