import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { loadSecrets, maskSecret, removeDestinationSecrets, scrubSecrets, setDestinationSecrets } from '../../../core/siem/secrets.js';

describe('siem-secrets.json', () => {
  const paths = belayPaths();
  ensureDataDir(paths);
  const token = '8a3f0c2e-5b7d-4e1f-9c6a-0d2b4f6e8a1c';

  it('is written 0600, read back, and a too-open file is tightened on read', () => {
    setDestinationSecrets(paths.siemSecrets, 'splunk', { token });
    expect(statSync(paths.siemSecrets).mode & 0o777).toBe(0o600);
    expect(loadSecrets(paths.siemSecrets).splunk.token).toBe(token);
    chmodSync(paths.siemSecrets, 0o644);
    loadSecrets(paths.siemSecrets);
    expect(statSync(paths.siemSecrets).mode & 0o777).toBe(0o600);
    removeDestinationSecrets(paths.siemSecrets, 'splunk');
    expect(loadSecrets(paths.siemSecrets).splunk).toBeUndefined();
  });

  it('masks to at most the last 4 characters, and hides short secrets entirely', () => {
    expect(maskSecret(token)).toBe('••••8a1c');
    expect(maskSecret('short-secret')).toBe('••••');
    expect(maskSecret(undefined)).toBe('(none)');
  });

  it('scrubs secret values, their basic-auth encoding and auth header values out of error text', () => {
    const s = { token, username: 'elastic', password: 'hunter2-long-password' };
    const basic = Buffer.from('elastic:hunter2-long-password').toString('base64');
    const msg = scrubSecrets(`failed with ${token}; header Basic ${basic}; Authorization: Splunk abcdefgh12345678; pw hunter2-long-password`, s);
    expect(msg).not.toContain(token);
    expect(msg).not.toContain(basic);
    expect(msg).not.toContain('hunter2-long-password');
    expect(msg).not.toContain('abcdefgh12345678');
  });

  it('a corrupt secrets file is an error that does not quote its content', () => {
    writeFileSync(paths.siemSecrets, `{"x": "${token}"`);
    let message = '';
    try {
      loadSecrets(paths.siemSecrets);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/not valid JSON/);
    expect(message).not.toContain(token);
  });
});
