import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../../core/anomaly/alert-store.js';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { CredentialBroker } from '../../../core/broker/broker.js';
import { KeyRegistry, lastFour } from '../../../core/broker/key-registry.js';
import { parseBudget, parseExpiry, parseHost } from '../../../core/broker/key-options.js';
import { KeysService } from '../../../core/broker/keys-service.js';
import { carriesPlaceholder, placeholderNames, swapHeaders, swapUrl } from '../../../core/broker/placeholder.js';
import type { SecretStore } from '../../../core/broker/secret-store.js';
import { placeholderSetup } from '../../../core/broker/setup.js';
import { belayPaths } from '../../../core/paths.js';
import { settingsSchema } from '../../../core/settings.js';

/** A temp in-memory backend behind the SecretStore interface (the real ones are tested in secret-stores.test.ts). */
class MemoryStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly description = 'memory';
  readonly values = new Map<string, string>();
  reads = 0;
  async set(n: string, v: string) {
    this.values.set(n, v);
  }
  async get(n: string) {
    this.reads++;
    return this.values.get(n);
  }
  async delete(n: string) {
    return this.values.delete(n);
  }
}

const REAL = 'sk-ant-api03-' + 'A'.repeat(93) + 'AA';

function setup(now = Date.parse('2026-11-20T10:00:00Z')) {
  const audit = AuditLog.open(':memory:');
  const store = new MemoryStore();
  const keys = new KeysService(audit.db, belayPaths(), settingsSchema.parse({}), () => store);
  const alerts = new AlertStore(audit.db, audit, () => 3_600_000);
  const broker = new CredentialBroker({ registry: new KeyRegistry(audit.db), storeFor: () => store, alerts, flagRealKeys: true, warn: () => {}, now: () => now });
  return { audit, store, keys, alerts, broker };
}

const req = (over: Partial<Parameters<CredentialBroker['resolve']>[0]> = {}) => ({
  method: 'POST',
  url: 'https://api.anthropic.com/v1/messages',
  host: 'api.anthropic.com',
  path: '/v1/messages',
  headers: { 'x-api-key': 'belay-key:work', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
  client: 'claude-code',
  ...over,
});

describe('placeholders', () => {
  it('are found in headers and query values, and swapped without touching anything else', () => {
    const headers = { authorization: 'Bearer belay-key:oa', 'x-other': 'keep belay-key-not' };
    expect(carriesPlaceholder('https://h/p', headers)).toBe(true);
    expect(carriesPlaceholder('https://h/p?key=belay-key%3Agem', {})).toBe(true);
    expect(carriesPlaceholder('https://h/p', { authorization: 'Bearer sk-x' })).toBe(false);
    expect(placeholderNames('https://h/p?key=belay-key%3Agem', headers)).toEqual(['oa', 'gem']);
    const values = new Map([['oa', 'REAL1'], ['gem', 'REAL2']]);
    expect(swapHeaders(headers, values)).toEqual({ authorization: 'Bearer REAL1', 'x-other': 'keep belay-key-not' });
    expect(headers.authorization).toBe('Bearer belay-key:oa');
    expect(swapUrl('https://h/v1/models/x:generateContent?alt=sse&key=belay-key%3Agem', values)).toBe('https://h/v1/models/x:generateContent?alt=sse&key=REAL2');
    expect(swapUrl('https://h/p?x=1', values)).toBeUndefined();
  });
});

describe('key options', () => {
  it('parse budgets, expiries and hosts, and word their errors', () => {
    expect(parseBudget('$5')).toEqual({ usd: 5 });
    expect(parseBudget('2.5usd')).toEqual({ usd: 2.5 });
    expect(parseBudget('200k-tokens')).toEqual({ tokens: 200_000 });
    expect(() => parseBudget('5')).toThrow(/dollars .* or tokens/);
    expect(parseExpiry('30d', 0)).toBe(30 * 86_400_000);
    expect(() => parseExpiry('2000-01-01')).toThrow(/already past/);
    expect(parseHost('*.openai.azure.com')).toBe('*.openai.azure.com');
    expect(() => parseHost('https://api.openai.com/v1')).toThrow(/no https/);
    expect(lastFour('short')).toBeUndefined();
  });
});

describe('CredentialBroker', () => {
  it('swaps the placeholder on the allowed host, counts the use and caches the value per version', async () => {
    const { keys, broker, store, audit } = setup();
    await keys.add('work', REAL, { hosts: ['api.anthropic.com'], clients: [] });
    const d = await broker.resolve(req());
    expect(d.ok).toBe(true);
    if (d.ok) expect(d.headers['x-api-key']).toBe(REAL);
    await broker.resolve(req());
    expect(store.reads).toBe(1);
    // Uses are queued (the proxy never waits on a write) and written by flushUses().
    expect(keys.registry.spend('work', Date.parse('2026-11-20T12:00:00Z')).requests).toBe(0);
    broker.flushUses();
    expect(keys.registry.get('work')?.lastUsedAt).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(keys.registry.spend('work', Date.parse('2026-11-20T12:00:00Z')).requests).toBe(2);
    // Rotating bumps the version: the next request reads the new value.
    await keys.rotate('work', REAL.replace('AAAA', 'BBBB'));
    const after = await broker.resolve(req());
    expect(after.ok && after.headers['x-api-key']).toBe(REAL.replace('AAAA', 'BBBB'));
    audit.close();
  });

  it('refuses off-route use (other host, other client) in the provider shape and raises one alert per window', async () => {
    const { keys, broker, alerts, audit } = setup();
    await keys.add('work', REAL, { hosts: ['api.anthropic.com'], clients: ['claude-code'] });
    const elsewhere = await broker.resolve(req({ url: 'https://evil.example/v1/messages', host: 'evil.example' }));
    expect(elsewhere.ok).toBe(false);
    if (!elsewhere.ok) {
      expect(elsewhere.response.status).toBe(403);
      expect(elsewhere.response.body).toContain('may not be sent to evil.example');
      expect(elsewhere.response.body).not.toContain(REAL);
    }
    await broker.resolve(req({ url: 'https://evil.example/x', host: 'evil.example' }));
    const wrongClient = await broker.resolve(req({ client: 'cursor' }));
    expect(wrongClient.ok).toBe(false);
    if (!wrongClient.ok) {
      // Anthropic's own error shape: the SDK raises a PermissionDeniedError with our text.
      expect(JSON.parse(wrongClient.response.body)).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    }
    const list = alerts.list();
    expect(list.map((a) => [a.kind, a.client, a.count])).toEqual(
      expect.arrayContaining([
        ['key-off-route', 'claude-code', 2],
        ['key-off-route', 'cursor', 1],
      ]),
    );
    audit.flush();
    expect(audit.query({ type: 'alert' })).toHaveLength(2);
    audit.close();
  });

  it('refuses revoked, expired, over-budget and unknown keys with words that say what to do', async () => {
    const now = Date.parse('2026-11-20T10:00:00Z');
    const { keys, broker, audit } = setup(now);
    await keys.add('work', REAL, { hosts: ['api.anthropic.com'], clients: [], budget: { usd: 1 } });
    keys.registry.addSpend('work', now, 1000, 1.5);
    const over = await broker.resolve(req());
    expect(!over.ok && over.reason).toMatch(/daily budget .*\$1\.50 of \$1\.00/);
    keys.update('work', { budget: { tokens: 10_000 } });
    expect((await broker.resolve(req())).ok).toBe(true);
    keys.revoke('work');
    const revoked = await broker.resolve(req());
    expect(!revoked.ok && revoked.reason).toMatch(/revoked.*belay keys rotate work/);
    await keys.rotate('work', REAL);
    expect((await broker.resolve(req())).ok).toBe(true);
    keys.update('work', { expiresAt: now - 1 });
    expect(!((await broker.resolve(req())) as { ok: boolean }).ok).toBe(true);
    const unknown = await broker.resolve(req({ headers: { authorization: 'Bearer belay-key:nope' } }));
    expect(!unknown.ok && unknown.reason).toMatch(/no Belay key named "nope"/);
    audit.close();
  });

  it('charges usage from finished events to the keys they used', async () => {
    const { keys, broker, audit } = setup();
    await keys.add('work', REAL, { hosts: ['api.anthropic.com'], clients: [] });
    broker.recordUsage({ time: '2026-11-20T10:01:00Z', data: { brokerKeys: ['work'], usage: { inputTokens: 100, outputTokens: 50 }, costUsd: 0.25 } } as never);
    expect(keys.registry.spend('work', Date.parse('2026-11-20T23:00:00Z'))).toEqual({ requests: 0, tokens: 150, costUsd: 0.25 });
    audit.close();
  });

  it('flags a real key sent by a client once per client and key per day, without storing it', async () => {
    const { broker, alerts, audit } = setup();
    const head = { url: 'https://api.anthropic.com/v1/messages', host: 'api.anthropic.com', headers: { 'x-api-key': REAL }, client: 'cursor' };
    broker.inspectHead(head);
    broker.inspectHead(head);
    broker.inspectHead({ ...head, client: 'vscode' });
    broker.inspectHead({ ...head, headers: { 'x-api-key': 'belay-key:work' } });
    const list = alerts.list();
    expect(list.map((a) => a.client).sort()).toEqual(['cursor', 'vscode']);
    expect(list[0].message).toMatch(/holds a real key/);
    audit.flush();
    const stored = JSON.stringify(audit.query({}));
    expect(stored).not.toContain(REAL);
    expect(JSON.stringify(list)).not.toContain(REAL);
    audit.close();
  });

  it('names the env vars and placeholder for `belay setup`', async () => {
    const { keys, audit } = setup();
    const { record } = await keys.add('gem', 'AIza' + 'x'.repeat(35), { hosts: ['generativelanguage.googleapis.com'], clients: ['cursor'] });
    const s = placeholderSetup(record, 'vscode');
    expect(s.placeholder).toBe('belay-key:gem');
    expect(s.env).toEqual({ GEMINI_API_KEY: 'belay-key:gem', GOOGLE_API_KEY: 'belay-key:gem' });
    expect(s.warning).toMatch(/not allowed for vscode/);
    audit.close();
  });
});
