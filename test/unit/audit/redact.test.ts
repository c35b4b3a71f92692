import { describe, expect, it } from 'vitest';
import { REDACTED, bodyForStorage, redactBody, redactHeaders, redactText, redactUrl, scrubEventData } from '../../../core/audit/redact.js';
import { ALL_PLANTED, PLANTED } from '../../helpers/audit-secrets.js';

function leaks(s: string): string[] {
  return ALL_PLANTED.filter((p) => s.includes(p));
}

describe('redactHeaders', () => {
  it.each([
    ['authorization', `Bearer ${PLANTED.bearerOpaque}`],
    ['Proxy-Authorization', `Basic ${PLANTED.bearerOpaque}`],
    ['x-api-key', PLANTED.anthropic],
    ['x-goog-api-key', PLANTED.google],
    ['api-key', PLANTED.bearerOpaque],
    ['Cookie', PLANTED.cookie],
    ['set-cookie', PLANTED.cookie],
    ['x-auth-token', PLANTED.bearerOpaque],
    ['X-Custom-Session', PLANTED.bearerOpaque],
    ['x-my-secret', PLANTED.bearerOpaque],
    ['openai-organization-key', PLANTED.bearerOpaque],
  ])('redacts %s', (name, value) => {
    const out = redactHeaders({ [name]: value, 'content-type': 'application/json' });
    expect(out[name]).toBe(REDACTED);
    expect(out['content-type']).toBe('application/json');
  });

  it('redacts every value of a repeated header and secrets inside innocent-looking headers', () => {
    const out = redactHeaders({ 'set-cookie': ['a=1', 'b=2'], 'x-forwarded-note': `key is ${PLANTED.openai}`, 'user-agent': 'curl/8' });
    expect(out['set-cookie']).toEqual([REDACTED, REDACTED]);
    expect(leaks(JSON.stringify(out))).toEqual([]);
    expect(out['user-agent']).toBe('curl/8');
  });
});

describe('redactUrl', () => {
  it.each([
    ['key', PLANTED.google],
    ['api_key', PLANTED.queryToken],
    ['apikey', PLANTED.queryToken],
    ['token', PLANTED.queryToken],
    ['access_token', PLANTED.queryToken],
    ['sig', PLANTED.queryToken],
    ['signature', PLANTED.queryToken],
    ['password', PLANTED.password],
    ['secret', PLANTED.queryToken],
    ['code', PLANTED.queryToken],
    ['X-Amz-Security-Token', PLANTED.queryToken],
  ])('redacts ?%s=', (param, value) => {
    const out = redactUrl(`https://api.example.com/v1/x?alt=sse&${param}=${value}&n=2`);
    expect(out).toBe(`https://api.example.com/v1/x?alt=sse&${param}=REDACTED&n=2`);
  });

  it('removes user:password@ and keeps the rest as sent', () => {
    expect(redactUrl(`https://bob:${PLANTED.password}@git.example.com/a%20b?q=1#top`)).toBe('https://git.example.com/a%20b?q=1#top');
  });

  it('works on request targets, fragments and secrets in the path', () => {
    expect(redactUrl(`/v1beta/models/g:generateContent?key=${PLANTED.google}`)).toBe('/v1beta/models/g:generateContent?key=REDACTED');
    expect(redactUrl(`/cb#access_token=${PLANTED.queryToken}&state=1`)).toBe('/cb#access_token=REDACTED&state=1');
    expect(leaks(redactUrl(`/repos/${PLANTED.github}/x`))).toEqual([]);
    expect(redactUrl('/plain/path?q=hello')).toBe('/plain/path?q=hello');
  });
});

describe('redactText and redactBody', () => {
  it('replaces every planted key shape in free text', () => {
    const text = `use ${PLANTED.openai} or ${PLANTED.anthropic}; aws ${PLANTED.aws}; gh ${PLANTED.github}; Authorization: Bearer ${PLANTED.bearerOpaque}`;
    const out = redactText(text);
    expect(leaks(out)).toEqual([]);
    expect(out).toContain('[REDACTED:aws-access-key]');
    expect(out).toContain('Bearer [REDACTED]');
  });

  it('redacts JSON members named like credentials even when no rule knows the value', () => {
    const body = JSON.stringify({ model: 'gpt-4o', max_tokens: 10, api_key: PLANTED.bearerOpaque, nested: [{ password: PLANTED.password, clientSecret: 'x'.repeat(5) }] });
    const out = JSON.parse(redactBody(body, 'application/json'));
    expect(out).toEqual({ model: 'gpt-4o', max_tokens: 10, api_key: REDACTED, nested: [{ password: REDACTED, clientSecret: REDACTED }] });
  });

  it('redacts non-JSON bodies: forms, env files, SSE', () => {
    expect(redactBody(`grant_type=x&client_secret=${PLANTED.queryToken}`, 'application/x-www-form-urlencoded')).toBe('grant_type=x&client_secret=REDACTED');
    expect(leaks(redactBody(`PASSWORD=${PLANTED.password}\nMODE=dev\n`))).toEqual([]);
    expect(leaks(redactBody(`data: {"token": "${PLANTED.bearerOpaque}"}\n\n`, 'text/event-stream'))).toEqual([]);
  });
});

describe('scrubEventData (the writer\'s last line of defence)', () => {
  it('makes any value JSON-safe and credential-free', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const out = scrubEventData({
      headers: { Authorization: `Bearer ${PLANTED.bearerOpaque}` },
      note: `found ${PLANTED.aws}`,
      big: 10n,
      when: new Date(0),
      nan: NaN,
      bytes: Buffer.from('abc'),
      gone: undefined,
      cyclic,
      inputTokens: 42,
    });
    expect(out).toEqual({
      headers: { Authorization: REDACTED },
      note: 'found [REDACTED:aws-access-key]',
      big: '10',
      when: '1970-01-01T00:00:00.000Z',
      nan: null,
      bytes: '[binary 3 bytes]',
      cyclic: { a: 1, self: '[circular]' },
      inputTokens: 42,
    });
  });
});

describe('bodyForStorage', () => {
  it('stores nothing unless bodies are switched on', () => {
    expect(bodyForStorage('{"a":1}', { storeBodies: false, maxBodyBytes: 100 })).toBeUndefined();
  });

  it('redacts, then caps, so a secret across the cut leaves no readable part', () => {
    const secret = PLANTED.anthropic;
    const body = `${'a'.repeat(90)} ${secret} tail`;
    const stored = bodyForStorage(body, { storeBodies: true, maxBodyBytes: 100 })!;
    expect(stored.truncated).toBe(true);
    expect(stored.bytes).toBe(Buffer.byteLength(body));
    expect(Buffer.byteLength(stored.text)).toBeLessThanOrEqual(100);
    expect(stored.text).not.toContain(secret.slice(0, 12));
  });

  it('keeps a small JSON body whole and cuts on a character boundary', () => {
    expect(bodyForStorage('{"q":"hi"}', { storeBodies: true, maxBodyBytes: 100 })).toEqual({ text: '{"q":"hi"}', bytes: 10, truncated: false });
    const stored = bodyForStorage('é'.repeat(10), { storeBodies: true, maxBodyBytes: 5 })!;
    expect(stored.text).toBe('éé');
  });
});

describe('redactText memo of clean strings', () => {
  it('a repeated secret is redacted every time; a repeated clean string comes back unchanged', () => {
    const secret = `key: ${'sk-proj-'}${'A1b2C3d4E5f6G7h8I9j0'.repeat(3)}`;
    for (let i = 0; i < 3; i++) expect(redactText(secret)).not.toContain('A1b2C3d4E5f6G7h8I9j0');
    for (let i = 0; i < 3; i++) expect(redactText('claude-sonnet-4-5')).toBe('claude-sonnet-4-5');
    // Thousands of distinct clean strings later (the memo is emptied when full), still right.
    for (let i = 0; i < 5000; i++) redactText(`model-${i}`);
    expect(redactText(secret)).not.toContain('A1b2C3d4E5f6G7h8I9j0');
    expect(redactText('Bearer abcdefgh12345678')).toBe('Bearer [REDACTED]');
  });
});
