// Belay's refusals must read as ordinary API errors in the official SDKs the copilots
// use. A local server plays the provider (the one thing that cannot be real here) and
// answers with llmErrorResponse / llmStreamErrorFrame; the real openai and
// @anthropic-ai/sdk clients must throw an APIError carrying our message, without retrying.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmErrorResponse, llmStreamErrorFrame } from '../../../../core/protocols/llm/errors.js';
import { fixture } from '../../../helpers/llm-fixtures.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
let requests = 0;
let server: http.Server;
let baseURL: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const MESSAGE = 'Refused by Belay: the tool call reads ~/.aws/credentials (rule no-secrets).';

/** Streams the first `keep` SSE events of a fixture, then Belay's error event. */
function streamThenRefuse(fixtureName: string, keep: number, errorFrame: string): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const events = new TextDecoder().decode(fixture(fixtureName)).split(/(?<=\n\n)/);
    for (const e of events.slice(0, keep)) res.write(e);
    res.end(errorFrame);
  };
}

function refuseWith(status: number, api: Parameters<typeof llmErrorResponse>[0]): Handler {
  return (_req, res) => {
    const r = llmErrorResponse(api, { status, message: MESSAGE });
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  };
}

describe('official SDKs read Belay refusals as API errors', () => {
  it('openai chat: a 403 refusal, no retry', async () => {
    handler = refuseWith(403, 'openai-chat');
    requests = 0;
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${baseURL}/v1`, maxRetries: 2 });
    const err = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain(MESSAGE);
    expect(requests).toBe(1);
  });

  it('openai chat: a refusal status the SDK would normally retry (503) is not retried', async () => {
    handler = refuseWith(503, 'openai-chat');
    requests = 0;
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${baseURL}/v1`, maxRetries: 2 });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow(MESSAGE);
    expect(requests).toBe(1);
  });

  it('openai chat: a held stream ended by the error frame throws mid-iteration', async () => {
    handler = streamThenRefuse('openai-chat/stream-parallel-tools.sse', 3, llmStreamErrorFrame('openai-chat', MESSAGE));
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${baseURL}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let chunks = 0;
    const err = await (async () => {
      for await (const _ of stream) chunks++;
    })().catch((e: unknown) => e);
    expect(chunks).toBe(3);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain(MESSAGE);
  });

  it('openai responses: the error event throws mid-iteration', async () => {
    handler = streamThenRefuse('openai-responses/stream-tools.sse', 4, llmStreamErrorFrame('openai-responses', MESSAGE));
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${baseURL}/v1`, maxRetries: 0 });
    const stream = await client.responses.create({ model: 'gpt-4.1', stream: true, input: 'hi' });
    const err = await (async () => {
      for await (const _ of stream) {
        // consume
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain(MESSAGE);
  });

  it('anthropic: a 403 refusal is a PermissionDeniedError, no retry', async () => {
    handler = refuseWith(403, 'anthropic-messages');
    requests = 0;
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL, maxRetries: 2 });
    const err = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((err as Error).message).toContain(MESSAGE);
    expect(requests).toBe(1);
  });

  it('anthropic: a held stream ended by the error event throws mid-iteration', async () => {
    handler = streamThenRefuse('anthropic/stream-tools.sse', 5, llmStreamErrorFrame('anthropic-messages', MESSAGE));
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL, maxRetries: 0 });
    const stream = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const ev of stream) seen.push(ev.type);
    })().catch((e: unknown) => e);
    expect(seen[0]).toBe('message_start');
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as Error).message).toContain(MESSAGE);
  });
});
