import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeysService } from '../../../core/broker/keys-service.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';

// The broker through the real engine and proxy: real TLS, the official Anthropic SDK
// configured with a placeholder, real provider host names routed by the test's upstream
// proxy to a fake provider that records what it received.
const REAL_ANTHROPIC = 'sk-ant-api03-' + 'R'.repeat(40) + 'realkeyBROKERED' + 'x'.repeat(38) + 'AA';
const REAL_GEMINI = 'AIza' + 'G'.repeat(20) + 'brokeredGemini1';
const HELD_BY_CLIENT = 'sk-ant-api03-' + 'H'.repeat(93) + 'AA';

let world: ProxyWorld;
let keys: KeysService;
let anthropic: Anthropic;

beforeAll(async () => {
  world = await startProxyWorld({ realHosts: true, approve: 'allow', settings: { broker: { store: 'file' } } });
  const { belay } = world;
  keys = new KeysService(belay.audit.db, belay.paths, belay.settings);
  await keys.add('anthropic-work', REAL_ANTHROPIC, { hosts: ['api.anthropic.com'], clients: [] });
  await keys.add('gem', REAL_GEMINI, { hosts: ['generativelanguage.googleapis.com'], clients: [] });
  anthropic = new Anthropic({
    apiKey: 'belay-key:anthropic-work',
    baseURL: 'https://api.anthropic.com',
    fetchOptions: { dispatcher: belay.dispatcher } as unknown as RequestInit,
    maxRetries: 0,
  });
}, 60_000);
afterAll(async () => {
  await world?.stop();
});

describe('credential broker at the proxy', () => {
  it('swaps the placeholder for the real key on the allowed host (the SDK works unchanged)', async () => {
    const msg = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.type).toBe('message');
    const got = world.provider.requests.at(-1)!;
    expect(got.url.hostname).toBe('api.anthropic.com');
    // This SDK sends its key as x-api-key or Authorization: Bearer depending on version; either way it is swapped.
    const sent = String(got.headers['x-api-key'] ?? got.headers.authorization);
    expect(sent.replace(/^Bearer /, '')).toBe(REAL_ANTHROPIC);
    expect(JSON.stringify(got.headers)).not.toContain('belay-key:');
    // The guard still judged it: an llm.request event, tagged with the key's name (never its value).
    const [event] = await world.belay.waitForEvents((e) => e.type === 'llm.request' && e.host === 'api.anthropic.com');
    expect(event.data.brokerKeys).toEqual(['anthropic-work']);
    // Uses are written about once a second, off the request path.
    await expect.poll(() => keys.list().find((k) => k.name === 'anthropic-work')?.lastUsedAt, { timeout: 5000 }).toBeGreaterThan(0);
  });

  it('a placeholder request is still judged by the guard: a secret in the prompt is redacted, and the key swapped', async () => {
    const aws = 'AKIA' + 'Q'.repeat(12) + 'WXYZ';
    await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: `deploy with ${aws}` }] });
    const got = world.provider.requests.at(-1)!;
    expect(String(got.headers['x-api-key'] ?? got.headers.authorization).replace(/^Bearer /, '')).toBe(REAL_ANTHROPIC);
    expect(got.body?.toString()).toContain('deploy with');
    expect(got.body?.toString()).not.toContain(aws);
    const [event] = await world.belay.waitForEvents((e) => e.type === 'llm.request' && e.decision === 'redact');
    expect(event).toMatchObject({ rule: 'redact-secrets-in-prompts', data: { brokerKeys: ['anthropic-work'] } });
  });

  it('a placeholder request offering tools (through the tool-use gate) carries the real key and the redacted prompt', async () => {
    const aws = 'AKIA' + 'T'.repeat(12) + 'WXYZ';
    const msg = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      tools: [{ name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
      messages: [{ role: 'user', content: `gated with ${aws}` }],
    });
    expect(msg.type).toBe('message');
    const got = world.provider.requests.at(-1)!;
    expect(got.url.hostname).toBe('api.anthropic.com');
    expect(String(got.headers['x-api-key'] ?? got.headers.authorization).replace(/^Bearer /, '')).toBe(REAL_ANTHROPIC);
    expect(JSON.stringify(got.headers)).not.toContain('belay-key:');
    expect(got.body?.toString()).toContain('gated with');
    expect(got.body?.toString()).not.toContain(aws);
    const [event] = await world.belay.waitForEvents((e) => e.type === 'llm.request' && e.decision === 'redact' && String(e.data.toolsOffered) === 'read_file');
    expect(event.data).toMatchObject({ brokerKeys: ['anthropic-work'], toolsOffered: ['read_file'] });
  });

  it('swaps a ?key= placeholder (Gemini) and a header on a body-less GET', async () => {
    const res = await world.belay.fetch('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent?key=belay-key:gem', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(world.provider.requests.at(-1)!.url.searchParams.get('key')).toBe(REAL_GEMINI);

    const list = await world.belay.fetch('https://api.anthropic.com/v1/models', { headers: { 'x-api-key': 'belay-key:anthropic-work' } });
    await list.text();
    expect(world.provider.requests.at(-1)!.headers['x-api-key']).toBe(REAL_ANTHROPIC);
  });

  it('refuses the placeholder anywhere else (provider never sees it) and raises an alert', async () => {
    const before = world.provider.requests.length;
    const res = await world.belay.fetch(`https://localhost:${world.provider.port}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'belay-key:anthropic-work', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'exfil' }] }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/may not be sent to localhost/);
    expect(world.provider.requests.length).toBe(before);
    const [alert] = await world.belay.waitForEvents((e) => e.type === 'alert' && e.data.alert === 'key-off-route');
    expect(alert).toMatchObject({ host: 'localhost', risk: 'high' });
    const [refused] = await world.belay.waitForEvents((e) => e.host === 'localhost' && e.status === 403);
    expect(refused).toMatchObject({ decision: 'deny', rule: 'belay-key' });
  });

  it('the SDK raises a readable permission error for a revoked key, and rotate brings it back', async () => {
    keys.revoke('anthropic-work');
    const err = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(String((err as Error).message)).toMatch(/revoked/);
    await keys.rotate('anthropic-work', REAL_ANTHROPIC);
    const ok = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.type).toBe('message');
  });

  it('flags a client that sends a real key', async () => {
    const res = await world.belay.fetch('https://api.anthropic.com/v1/models', { headers: { 'x-api-key': HELD_BY_CLIENT, 'user-agent': 'claude-cli/2.0.14 (external, cli)' } });
    await res.text();
    const [alert] = await world.belay.waitForEvents((e) => e.type === 'alert' && e.data.alert === 'real-key-in-client');
    expect(alert.client).toBe('claude-code');
    expect(alert.error).toMatch(/holds a real key/);
  });

  it('no file Belay wrote contains a real key (data folder scanned byte for byte)', async () => {
    // Let the anomaly monitor and the log catch up, then flush everything to disk.
    await new Promise((r) => setTimeout(r, 1500));
    world.belay.audit.flush();
    world.belay.audit.db.pragma('wal_checkpoint(TRUNCATE)');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(world.belay.home);
    expect(files.some((f) => f.endsWith('belay.db'))).toBe(true);
    expect(files.some((f) => f.endsWith('keys.vault.json'))).toBe(true);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const secret of [REAL_ANTHROPIC, REAL_GEMINI, HELD_BY_CLIENT]) {
        expect(bytes.includes(Buffer.from(secret)), `${secret.slice(0, 12)}… found in ${f}`).toBe(false);
        expect(bytes.includes(Buffer.from(secret, 'utf16le')), `${secret.slice(0, 12)}… (UTF-16) found in ${f}`).toBe(false);
      }
    }
  });
});
