import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';

// A developer pastes a real-looking API key into a prompt. The default policy redacts it
// (the provider receives a placeholder); a policy that says deny refuses the request with
// the provider's own 403 error. Either way the key never lands in Belay's data folder.
let world: ProxyWorld;
let anthropic: Anthropic;
let openai: OpenAI;

const alnum = (n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') =>
  Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
// Fresh random keys in the real formats (gitleaks' shapes), so no allow list can know them.
const ANTHROPIC_KEY = `sk-ant-api03-${alnum(93)}AA`;
const AWS_KEY = `AKIA${alnum(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
const CLIENT_API_KEY = `sk-ant-test-guard-secrets-${alnum(12)}`;
const PLACEHOLDER = '[REDACTED by Belay]';

beforeAll(async () => {
  world = await startProxyWorld({ realHosts: true });
  const fetchOptions = { dispatcher: world.belay.dispatcher } as unknown as RequestInit;
  anthropic = new Anthropic({ apiKey: CLIENT_API_KEY, baseURL: 'https://api.anthropic.com', fetchOptions, maxRetries: 0 });
  openai = new OpenAI({ apiKey: 'sk-test-guard-secrets', baseURL: 'https://api.openai.com/v1', fetchOptions, maxRetries: 0 });
});
afterAll(async () => {
  await world?.stop();
});

/** Every file under the data folder, as raw bytes (the SQLite file, its -wal and -shm included). */
function dataFiles(dir: string): { file: string; bytes: Buffer }[] {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) out.push(...dataFiles(file));
    else out.push({ file, bytes: readFileSync(file) });
  }
  return out;
}

function filesContaining(needle: string): string[] {
  world.belay.audit.flush();
  // Both encodings SQLite or JSON could use; the key is ASCII, so UTF-8 and UTF-16LE cover them.
  const forms = [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')];
  return dataFiles(world.belay.home)
    .filter(({ bytes }) => forms.some((f) => bytes.includes(f)))
    .map(({ file }) => path.relative(world.belay.home, file));
}

describe('a secret in a prompt', () => {
  it('is redacted by the default policy: the provider receives the placeholder, the client its answer', async () => {
    const prompt = `Why does this fail?\nexport ANTHROPIC_API_KEY=${ANTHROPIC_KEY}\naws_access_key_id = ${AWS_KEY}`;
    const res = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content: prompt }] });
    expect(res.content.length).toBeGreaterThan(0);

    const got = world.provider.requests.at(-1)!;
    const sent = got.body!.toString('utf8');
    expect(sent).not.toContain(ANTHROPIC_KEY);
    expect(sent).not.toContain(AWS_KEY);
    const content = (got.json as { messages: { content: string }[] }).messages[0].content;
    expect(content).toBe(`Why does this fail?\nexport ANTHROPIC_API_KEY=${PLACEHOLDER}\naws_access_key_id = ${PLACEHOLDER}`);
    // The credential the client authenticates with still reaches the provider: only the prompt is rewritten.
    expect(`${got.headers['x-api-key'] ?? ''} ${got.headers.authorization ?? ''}`).toContain(CLIENT_API_KEY);

    const [e] = await world.belay.waitForEvents((x) => x.type === 'llm.request' && x.decision === 'redact');
    expect(e).toMatchObject({ decidedBy: 'policy', rule: 'redact-secrets-in-prompts', status: 200, provider: 'anthropic' });
    const findings = e.data.findings as { detector: string; ruleId: string; evidence?: string }[];
    expect(findings.map((f) => [f.detector, f.ruleId]).sort()).toEqual([
      ['secrets', 'anthropic-api-key'],
      ['secrets', 'aws-access-key'],
    ]);
    for (const f of findings) expect(f.evidence ?? '').not.toMatch(/sk-ant-api03-[A-Za-z0-9]{20}|AKIA[A-Z2-7]{16}/);
  });

  it('is redacted in a streamed request that offers tools too (the request goes through the tool-use gate)', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: `deploy with key ${AWS_KEY} please` }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    });
    let chunks = 0;
    for await (const _chunk of stream) chunks++;
    expect(chunks).toBeGreaterThan(0);
    const got = world.provider.requests.at(-1)!;
    expect(got.path).toBe('/v1/chat/completions');
    expect(got.body!.toString('utf8')).not.toContain(AWS_KEY);
    expect((got.json as { messages: { content: string }[] }).messages[0].content).toBe(`deploy with key ${PLACEHOLDER} please`);
  });

  it('is refused with the provider\'s own 403 error when the policy says deny; the provider never sees the request', async () => {
    const saved = world.belay.policy.save(`version: 1
rules:
  - name: no-secrets-in-prompts
    match: { kind: llm.request, findings: { detector: secrets, minSeverity: medium } }
    action: deny
    reason: A secret was found in the prompt.
defaults:
  "*": allow
`);
    expect(saved.ok).toBe(true);
    const before = world.provider.requests.length;
    const err = await anthropic.messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content: `my key is ${ANTHROPIC_KEY}` }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const apiErr = err as InstanceType<typeof Anthropic.PermissionDeniedError>;
    expect(apiErr.status).toBe(403);
    expect(apiErr.error).toEqual({ type: 'error', error: { type: 'permission_error', message: 'Blocked by Belay: A secret was found in the prompt.' } });
    expect(world.provider.requests.length).toBe(before);

    const [e] = await world.belay.waitForEvents((x) => x.type === 'llm.request' && x.decision === 'deny');
    expect(e).toMatchObject({ decidedBy: 'policy', rule: 'no-secrets-in-prompts', status: 403, risk: expect.stringMatching(/high|critical/) });
    expect(e.data).toMatchObject({ outcome: 'deny', refused: 'request' });
  });

  it('is in no file of the data folder (database, -wal, -shm, settings, policy)', async () => {
    const files = dataFiles(world.belay.home).map((f) => path.relative(world.belay.home, f.file));
    expect(files).toEqual(expect.arrayContaining(['belay.db']));
    for (const secret of [ANTHROPIC_KEY, AWS_KEY, CLIENT_API_KEY]) expect({ secret: secret.slice(0, 12), files: filesContaining(secret) }).toEqual({ secret: secret.slice(0, 12), files: [] });
    // The scan itself works: what Belay does store is found (in the database or its write-ahead log).
    expect(filesContaining('redact-secrets-in-prompts').filter((f) => f.startsWith('belay.db'))).not.toEqual([]);
  });
});
