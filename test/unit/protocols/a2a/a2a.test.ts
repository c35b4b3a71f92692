import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAgentCardPath, parseAgentCard } from '../../../../core/protocols/a2a/agent-card.js';
import { a2aVersionFromHeader, isA2aMethod } from '../../../../core/protocols/a2a/methods.js';
import { readA2aRequest, readA2aResponse, normaliseState } from '../../../../core/protocols/a2a/messages.js';
import { createSseFramer } from '../../../../core/protocols/sse-framer.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'a2a');
const text = (name: string) => readFileSync(path.join(dir, name), 'utf8');
const json = <T = Record<string, { request: unknown; response?: unknown }>>(name: string) => JSON.parse(text(name)) as T;

function streamData(name: string): string[] {
  const framer = createSseFramer();
  const bytes = readFileSync(path.join(dir, name));
  const frames = [];
  for (let i = 0; i < bytes.length; i += 13) frames.push(...framer.push(bytes.subarray(i, i + 13)));
  return frames.map((f) => f.data);
}

describe('A2A agent cards', () => {
  it('recognises card fetches, old and new', () => {
    expect(isAgentCardPath('/.well-known/agent-card.json')).toBe(true);
    expect(isAgentCardPath('/.well-known/agent.json?x=1')).toBe(true);
    expect(isAgentCardPath('/tenant/a/.well-known/agent-card.json')).toBe(true);
    expect(isAgentCardPath('/.well-known/openid-configuration')).toBe(false);
    expect(isAgentCardPath('/agent-card.json')).toBe(false);
  });

  it('reads a v0.3 card', () => {
    const { card, error } = parseAgentCard(text('agent-card-v0.3.json'));
    expect(error).toBeUndefined();
    expect(card).toMatchObject({
      name: 'Travel Planner', version: '1.2.0', url: 'https://travel.example.com/a2a/v1', protocolVersions: ['0.3.0'],
      provider: { organization: 'Example Travel' }, streaming: true, pushNotifications: false,
    });
    expect(card?.interfaces).toEqual([
      { url: 'https://travel.example.com/a2a/v1', transport: 'JSONRPC' },
      { url: 'https://travel.example.com/a2a/grpc', transport: 'GRPC' },
    ]);
    expect(card?.skills.map((s) => s.id)).toEqual(['plan-trip', 'book-hotel']);
    expect(card?.skills[1]).toMatchObject({ name: 'Book a hotel', tags: ['booking', 'payment'] });
  });

  it('reads a v1.0 card (supportedInterfaces, no top-level url)', () => {
    const { card } = parseAgentCard(JSON.parse(text('agent-card-v1.0.json')));
    expect(card).toMatchObject({ name: 'Code Reviewer', url: 'https://review.example.com/', protocolVersions: ['1.0'], pushNotifications: true });
    expect(card?.interfaces.map((i) => i.transport)).toEqual(['JSONRPC', 'HTTP+JSON']);
    expect(card?.skills).toEqual([{ id: 'review-pr', name: 'Review a pull request', description: 'Reads a diff and comments.', tags: ['code', 'review'] }]);
  });

  it('says what is wrong with a bad card', () => {
    expect(parseAgentCard('<html>').error).toMatch(/not JSON/);
    expect(parseAgentCard('[]').error).toMatch(/not a JSON object/);
    expect(parseAgentCard({ description: 'x' }).error).toMatch(/no "name"/);
  });
});

describe('A2A methods', () => {
  it('knows both versions', () => {
    for (const m of ['message/send', 'message/stream', 'tasks/get', 'tasks/cancel', 'tasks/resubscribe', 'SendMessage', 'SendStreamingMessage', 'GetTask', 'CancelTask', 'SubscribeToTask', 'ListTasks'])
      expect(isA2aMethod(m)).toBe(true);
    expect(isA2aMethod('tools/call')).toBe(false);
    expect(isA2aMethod('toString')).toBe(false);
    expect(a2aVersionFromHeader('1.0')).toBe('1.0');
    expect(a2aVersionFromHeader('0.3.0')).toBe('0.3');
    expect(a2aVersionFromHeader(undefined)).toBeUndefined();
    expect(normaliseState('TASK_STATE_INPUT_REQUIRED')).toBe('input-required');
    expect(normaliseState('TASK_STATE_CANCELLED')).toBe('canceled');
  });
});

describe('A2A v0.3 exchanges', () => {
  const ex = json('exchange-v0.3.json');

  it('message/send → a completed task', () => {
    const [req] = readA2aRequest(JSON.stringify(ex.send.request)).facts;
    expect(req).toMatchObject({
      direction: 'request', id: 1, method: 'message/send', version: '0.3', op: 'send', streaming: false,
      kind: 'message', role: 'user', contextId: 'ctx-1', messageId: '9229e770-767c-417b-a0b0-f0741243c589', text: 'Plan 3 days in Rome\n[file]',
    });
    const [res] = readA2aResponse(ex.send.response, 'message/send').facts;
    expect(res).toMatchObject({ kind: 'task', taskId: '363422be-b0f9-4692-a24d-278670e7c7f1', contextId: 'ctx-1', state: 'completed', final: true, text: 'Day 1: Colosseum' });
  });

  it('tasks/get names the task; input-required ends the turn', () => {
    expect(readA2aRequest(ex.get.request).facts[0]).toMatchObject({ op: 'get', taskId: '363422be-b0f9-4692-a24d-278670e7c7f1' });
    expect(readA2aResponse(ex.get.response, 'tasks/get').facts[0]).toMatchObject({ state: 'input-required', final: true, text: 'Which dates?' });
  });

  it('errors are kept', () => {
    expect(readA2aResponse(ex['cancel-error'].response, 'tasks/cancel').facts[0]).toMatchObject({ op: 'cancel', error: { code: -32002, message: 'Task cannot be canceled' } });
  });

  it('a streamed answer yields one fact per event, ending final', () => {
    expect(readA2aRequest(ex.stream.request).facts[0]).toMatchObject({ op: 'stream', streaming: true, text: 'Book the hotel' });
    const facts = streamData('stream-v0.3.sse').flatMap((d) => readA2aResponse(d, 'message/stream').facts);
    expect(facts.map((f) => [f.kind, f.taskId, f.state, f.final])).toEqual([
      ['task', 't-9', 'submitted', false],
      ['status-update', 't-9', 'working', false],
      ['artifact-update', 't-9', undefined, undefined],
      ['status-update', 't-9', 'completed', true],
    ]);
    expect(facts[2].text).toBe('Booked: Hotel Roma');
    expect(facts[1].text).toBe('Searching hotels');
  });
});

describe('A2A v1.0 exchanges', () => {
  const ex = json('exchange-v1.0.json');

  it('SendMessage → { task } wrapper', () => {
    const [req] = readA2aRequest(ex.send.request).facts;
    expect(req).toMatchObject({ method: 'SendMessage', version: '1.0', op: 'send', role: 'user', messageId: 'msg-1', contextId: 'ctx-a', text: 'Review PR #42\n[file]' });
    expect(readA2aResponse(ex.send.response, 'SendMessage').facts[0]).toMatchObject({ kind: 'task', taskId: 'task-42', contextId: 'ctx-a', state: 'working', final: false });
  });

  it('SendMessage → { message } answer', () => {
    expect(readA2aResponse(ex['send-message-answer'].response, 'SendMessage').facts[0]).toMatchObject({ kind: 'message', role: 'agent', contextId: 'ctx-b', text: 'Hi! Send me a PR.' });
  });

  it('GetTask answers a bare task; ListTasks a list', () => {
    expect(readA2aRequest(ex.get.request).facts[0]).toMatchObject({ op: 'get', taskId: 'task-42' });
    expect(readA2aResponse(ex.get.response, 'GetTask').facts[0]).toMatchObject({ kind: 'task', taskId: 'task-42', state: 'completed', final: true, text: 'LGTM with nits' });
    expect(readA2aResponse(ex.list.response, 'ListTasks').facts[0]).toMatchObject({ kind: 'task-list', taskCount: 1 });
  });

  it('a streamed answer with StreamResponse wrappers', () => {
    expect(readA2aRequest(ex.subscribe.request).facts[0]).toMatchObject({ op: 'subscribe', streaming: true, taskId: 'task-77' });
    const facts = streamData('stream-v1.0.sse').flatMap((d) => readA2aResponse(d, 'SendStreamingMessage').facts);
    expect(facts.map((f) => [f.kind, f.taskId, f.contextId, f.state, f.final])).toEqual([
      ['task', 'task-77', 'ctx-c', 'submitted', false],
      ['status-update', 'task-77', 'ctx-c', 'working', false],
      ['artifact-update', 'task-77', 'ctx-c', undefined, undefined],
      ['status-update', 'task-77', 'ctx-c', 'input-required', true],
    ]);
    expect(facts[1].text).toBe('Reading the diff');
  });

  it('garbage gives an error and no facts', () => {
    expect(readA2aRequest('{oops')).toMatchObject({ facts: [], error: expect.stringMatching(/not JSON/) });
    expect(readA2aResponse('').facts).toEqual([]);
  });
});
