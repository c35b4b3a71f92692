import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, runBelay } from '../../helpers/stdio-relay.js';

// The real `belay` binary in child processes: the key goes in on stdin or through an
// environment variable, never on the command line, and never comes back out.
const KEY = 'sk-proj-' + 'k'.repeat(30) + 'CLI-secret-value-7781';
const home = process.env.BELAY_HOME as string;
// No session bus: 'auto' must fall back to the encrypted file (and say so); no real keyring is touched.
const env = { ...process.env, BELAY_HOME: home, DBUS_SESSION_BUS_ADDRESS: '' };

beforeAll(() => buildOnce(), 120_000);

describe('belay keys', () => {
  it('adds a key from stdin, lists it masked, and never prints the value', async () => {
    const add = await runBelay(['keys', 'add', 'work', '--provider', 'openai', '--client', 'cursor', '--budget', '$5', '--expires', '30d'], { input: `${KEY}\n`, env });
    expect(add.code).toBe(0);
    expect(add.stderr).toMatch(/stored in the encrypted file, which is weaker than a keychain: there is no D-Bus session bus/);
    expect(add.stdout).toContain('belay-key:work');
    expect(add.stdout).not.toContain(KEY);
    const list = await runBelay(['keys', 'list'], { env });
    expect(list.stdout).toMatch(/work\s+\[active\]\s+…7781/);
    expect(list.stdout).toContain('hosts: api.openai.com');
    expect(list.stdout).toContain('clients: cursor');
    expect(list.stdout).toContain('$0.00 of $5 today');
    const json = JSON.parse((await runBelay(['keys', 'list', '--json'], { env })).stdout);
    expect(json[0]).toMatchObject({ name: 'work', masked: '…7781', budget: { usd: 5 }, placeholder: 'belay-key:work' });
    expect(JSON.stringify(json)).not.toContain(KEY.slice(0, 20));
  });

  it('rotates from an env var, revokes, removes; usage errors exit 2, failures exit 1', async () => {
    const rotate = await runBelay(['keys', 'rotate', 'work', '--from-env', 'NEW_KEY'], { env: { ...env, NEW_KEY: `${KEY.slice(0, -4)}9999` } });
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toContain('…9999');
    expect((await runBelay(['keys', 'revoke', 'work'], { env })).stdout).toMatch(/Revoked "work"/);
    expect((await runBelay(['keys', 'list'], { env })).stdout).toMatch(/\[revoked\]/);
    const dup = await runBelay(['keys', 'add', 'work', '--provider', 'openai'], { input: 'another-value-123456789', env });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists.*rotate/);
    const noHost = await runBelay(['keys', 'add', 'x'], { input: 'v', env });
    expect(noHost.code).toBe(2);
    const badBudget = await runBelay(['keys', 'add', 'x', '--provider', 'openai', '--budget', 'lots'], { input: 'v', env });
    expect(badBudget.code).toBe(2);
    expect(badBudget.stderr).toMatch(/not a daily budget/);
    const empty = await runBelay(['keys', 'add', 'empty', '--provider', 'openai'], { input: '', env });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/value is empty/);
    expect((await runBelay(['keys', 'remove', 'work'], { env })).code).toBe(0);
    expect((await runBelay(['keys', 'list'], { env })).stdout).toMatch(/No keys yet/);
    const gone = await runBelay(['keys', 'revoke', 'work'], { env });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no Belay key named "work"/);
  });

  it('left the value in no file but the encrypted vault, and that one only encrypted', () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (readFileSync(p).includes(Buffer.from('CLI-secret-value'))) found.push(p);
      }
    };
    walk(home);
    expect(found).toEqual([]);
  });
});
