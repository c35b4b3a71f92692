import { describe, expect, it } from 'vitest';
import { SECRET_RULES, SECRET_SCAN_LIMIT, findSecrets, maskSecret, redactSecrets, scanTruncated } from '../../../core/detectors/secret-rules.js';

// Test keys are assembled at run time so no scanner flags this file as leaking secrets.
const rep = (s: string, n: number) => s.repeat(n);
const keys: [string, string][] = [
  ['aws-access-key', 'AKIA' + 'IOSFODNN7EXAMPL2'],
  ['github-pat', 'ghp_' + rep('aB3d', 9)],
  ['github-fine-grained-pat', 'github_pat_' + rep('11ABCDEFG0', 8) + 'x_'],
  ['github-oauth', 'gho_' + rep('Zz91', 9)],
  ['github-app-token', 'ghs_' + rep('Q7we', 9)],
  ['gitlab-pat', 'glpat-' + 'a1B2c3D4e5F6g7H8i9J0'],
  ['anthropic-api-key', 'sk-ant-api03-' + rep('Ab1-', 23) + 'xAA'],
  ['anthropic-admin-key', 'sk-ant-admin01-' + rep('Zq9_', 23) + 'yAA'],
  ['openai-project-key', 'sk-proj-' + rep('Ab3dE_f9', 12)],
  ['openai-legacy-key', 'sk-' + rep('aB1c', 5) + 'T3BlbkFJ' + rep('dE2f', 5)],
  ['openai-key', 'sk-' + rep('Qw8e', 12)],
  ['google-api-key', 'AIza' + 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6q'],
  ['slack-token', 'xoxb-' + '1234567890123-1234567890123-' + rep('aBc1', 6)],
  ['slack-webhook', 'https://hooks.slack.com/services/' + 'T0000AAAA/B0000BBBB/' + rep('x1Y2', 6)],
  ['stripe-key', 'sk_' + 'live_' + rep('4eC39Hq', 4)],
  ['npm-token', 'npm_' + rep('a1b2', 9)],
  ['huggingface-token', 'hf_' + rep('abCD', 8) + 'xy'],
  ['jwt', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' + 'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.' + 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'],
];

describe('findSecrets: true positives', () => {
  it.each(keys)('%s', (ruleId, key) => {
    const text = `here: ${key} (end)`;
    const found = findSecrets(text);
    expect(found).toHaveLength(1);
    expect(found[0].ruleId).toBe(ruleId);
    expect(found[0].value).toBe(key);
    expect(text.slice(found[0].start, found[0].end)).toBe(key);
  });

  it('finds an AWS secret key by its name and reports only the value', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'Q81ZKE0PL1';
    const found = findSecrets(`aws_secret_access_key = ${secret}\n`);
    expect(found.map((f) => [f.ruleId, f.value])).toEqual([['aws-secret-key', secret]]);
  });

  it('finds a generic keyword + assignment + random value, also JSON-escaped', () => {
    const v = 'Zx81kQ0pLm2Vn4Bz7Yt6Rr';
    expect(findSecrets(`API_KEY=${v}`).map((f) => f.value)).toEqual([v]);
    expect(findSecrets(`{"client_secret": "${v}"}`).map((f) => f.value)).toEqual([v]);
    expect(findSecrets(`{\\"db_password\\": \\"${v}\\"}`).map((f) => f.value)).toEqual([v]);
  });

  it('finds a private key block, with or without its footer', () => {
    const block = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----';
    const found = findSecrets(`key:\n${block}\nthanks`);
    expect(found.map((f) => [f.ruleId, f.value])).toEqual([['private-key', block]]);
    const cut = findSecrets('-----BEGIN RSA PRIVATE KEY-----\\nMIIEow==\\nAAAA');
    expect(cut[0].ruleId).toBe('private-key');
    expect(cut[0].value).toContain('MIIEow==');
  });

  it('reports several secrets in order, without overlaps', () => {
    const text = `${keys[0][1]} then ${keys[1][1]} then token=${keys[6][1]}`;
    const found = findSecrets(text);
    expect(found.map((f) => f.ruleId)).toEqual(['aws-access-key', 'github-pat', 'anthropic-api-key']);
    for (let i = 1; i < found.length; i++) expect(found[i].start).toBeGreaterThanOrEqual(found[i - 1].end);
  });
});

describe('findSecrets: false positives it must not report', () => {
  it.each([
    ['prose', 'Please rotate your API key and the token before Friday.'],
    ['placeholder assignment', 'OPENAI_API_KEY=your-api-key-here'],
    ['env lookup', 'const apiKey = process.env.OPENAI_API_KEY_VALUE_FROM_ENV;'],
    ['template', 'token: ${GITHUB_TOKEN_FROM_SECRETS_STORE}'],
    ['word-only value', 'password = correcthorsebatterystaple'],
    ['low entropy', 'secret=aaaaaaaaaaaaaaaaaaaaaaaa1'],
    ['too short key prefix', 'ghp_short and sk-abc'],
    ['key embedded in a longer token', 'xghp_' + rep('aB3d', 9)],
    ['git sha', 'commit 8f3a1c2d9e4b5a6f7c8d9e0a1b2c3d4e5f6a7b8c'],
    ['uuid', 'id 123e4567-e89b-12d3-a456-426614174000'],
    ['public key', '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----'],
  ])('%s', (_name, text) => {
    expect(findSecrets(text)).toEqual([]);
  });
});

describe('findSecrets on hostile input', () => {
  // These must complete and return; speed is measured in bench/, not asserted here.
  it.each([
    ['repeated prefixes', 'eyJ'.repeat(200_000)],
    ['keyword chains', 'token='.repeat(200_000)],
    ['keyword runs', 'tokena'.repeat(200_000)],
    ['headers without footers', '-----BEGIN PRIVATE KEY-----'.repeat(40_000)],
    ['dash runs', 'a-'.repeat(500_000)],
    ['near-miss keys', `${'sk-ant-api03-' + 'a'.repeat(200)} `.repeat(5_000)],
    ['near-miss generic', `api_key: ${'a1'.repeat(200)}\n`.repeat(3_000)],
  ])('%s completes', (_name, text) => {
    expect(Array.isArray(findSecrets(text))).toBe(true);
  });

  it('scans only the first SECRET_SCAN_LIMIT characters and says so', () => {
    const key = keys[1][1];
    const text = 'x'.repeat(SECRET_SCAN_LIMIT) + ' ' + key;
    expect(scanTruncated(text)).toBe(true);
    expect(findSecrets(text)).toEqual([]);
    expect(scanTruncated('short')).toBe(false);
  });
});

describe('helpers', () => {
  it('rule ids are unique and every rule is global with indices', () => {
    const ids = SECRET_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of SECRET_RULES) expect(r.pattern.flags).toMatch(/^(?=.*g)(?=.*d)/);
  });

  it('maskSecret keeps a short prefix and the length, never the whole value', () => {
    const key = keys[6][1];
    const masked = maskSecret(key);
    expect(masked.startsWith('sk-ant-')).toBe(true);
    expect(masked).toContain(`(${key.length} chars)`);
    expect(masked).not.toContain(key.slice(10, 30));
  });

  it('redactSecrets replaces each secret and keeps the rest', () => {
    const out = redactSecrets(`a ${keys[0][1]} b ${keys[1][1]} c`);
    expect(out).toBe('a [REDACTED:aws-access-key] b [REDACTED:github-pat] c');
  });
});
