import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { caTrust, installCa, uninstallCa } from '../../../core/trust/install.js';
import { systemStoreFile } from '../../../core/trust/system-linux.js';
import { caIdentity, type CaIdentity, type Runner } from '../../../core/trust/types.js';
import { ensureCa } from '../../../core/proxy/ca.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';

const hasCertutil = spawnSync('certutil', ['-H']).error === undefined;

function certutilList(dir: string): string {
  return execFileSync('certutil', ['-d', `sql:${dir}`, '-L'], { encoding: 'utf8' });
}

describe.skipIf(process.platform !== 'linux' || !hasCertutil)('belay ca install on Linux with real NSS databases (certutil)', () => {
  let ca: CaIdentity;
  let home: string;
  let otherPem: string;

  beforeAll(async () => {
    const paths = belayPaths();
    ensureDataDir(paths);
    await ensureCa(paths);
    ca = caIdentity(paths.caCert, 'testhost');
    mkdirSync(process.env.HOME!, { recursive: true });
    home = mkdtempSync(path.join(process.env.HOME!, 'trust-'));
    // A Firefox profile with its own database, and a certificate that is not Belay's in the shared db.
    const ff = path.join(home, '.mozilla', 'firefox', 'abcd.default-release');
    mkdirSync(ff, { recursive: true });
    execFileSync('certutil', ['-d', `sql:${ff}`, '-N', '--empty-password']);
    // A different CA (different subject: NSS files certificates of one subject under one nickname).
    otherPem = path.join(home, 'corp.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(home, 'corp.key'), '-out', otherPem, '-subj', '/CN=Corporate Root/O=Example', '-days', '2'], { stdio: 'ignore' });
  });

  it('adds the CA to the shared NSS db (created when missing) and every Firefox profile, once', () => {
    const systemDir = mkdtempSync(path.join(home, 'sys-'));
    const first = installCa(ca, { platform: 'linux', home, stores: 'all', systemDir, isRoot: false });
    expect(first.map((r) => r.outcome)).toEqual(['done', 'done', 'needs-privileges']);
    const shared = path.join(home, '.pki', 'nssdb');
    expect(certutilList(shared)).toMatch(/Belay local CA \(testhost\)\s+C,,/);
    expect(certutilList(path.join(home, '.mozilla', 'firefox', 'abcd.default-release'))).toContain('Belay local CA (testhost)');
    // Without root the system store is not touched; the exact command is printed instead.
    expect(first[2].command).toBe(`sudo cp ${ca.pemPath} ${systemStoreFile(systemDir)} && sudo update-ca-certificates`);
    expect(existsSync(systemStoreFile(systemDir))).toBe(false);

    const again = installCa(ca, { platform: 'linux', home, stores: 'nss' });
    expect(again.map((r) => r.outcome)).toEqual(['already', 'already']);
    expect(caTrust(ca, { platform: 'linux', home, systemDir }).map((t) => t.trusted)).toEqual([true, true, false]);
  });

  it('uninstall removes exactly Belay\'s CA and leaves other certificates alone', () => {
    const shared = path.join(home, '.pki', 'nssdb');
    installCa(ca, { platform: 'linux', home, stores: 'nss' });
    execFileSync('certutil', ['-d', `sql:${shared}`, '-A', '-t', 'C,,', '-n', 'Corporate Root', '-i', otherPem]);
    const removed = uninstallCa(ca, { platform: 'linux', home, stores: 'nss' });
    expect(removed.map((r) => r.outcome)).toEqual(['done', 'done']);
    const left = certutilList(shared);
    expect(left).not.toContain('Belay local CA');
    expect(left).toContain('Corporate Root');
    expect(uninstallCa(ca, { platform: 'linux', home, stores: 'nss' }).map((r) => r.outcome)).toEqual(['absent', 'absent']);
  });

  it('as root, writes the system store file and runs update-ca-certificates (runner injected: the real system store is never touched)', () => {
    const systemDir = mkdtempSync(path.join(home, 'sys-'));
    const calls: string[][] = [];
    const run: Runner = (cmd, args) => (calls.push([cmd, ...args]), { code: 0, stdout: '', stderr: '' });
    expect(installCa(ca, { platform: 'linux', home, stores: 'system', systemDir, isRoot: true, run })[0].outcome).toBe('done');
    expect(readFileSync(systemStoreFile(systemDir), 'utf8')).toBe(ca.pem);
    expect(installCa(ca, { platform: 'linux', home, stores: 'system', systemDir, isRoot: true, run })[0].outcome).toBe('already');
    expect(uninstallCa(ca, { platform: 'linux', home, stores: 'system', systemDir, isRoot: true, run })[0].outcome).toBe('done');
    expect(existsSync(systemStoreFile(systemDir))).toBe(false);
    expect(calls).toEqual([['update-ca-certificates'], ['update-ca-certificates', '--fresh']]);
  });

  it('says how to get certutil when it is missing', () => {
    const run: Runner = () => ({ code: null, stdout: '', stderr: 'spawn certutil ENOENT', missing: true });
    const fresh = mkdtempSync(path.join(home, 'nocertutil-'));
    mkdirSync(path.join(fresh, '.pki', 'nssdb'), { recursive: true });
    writeFileSync(path.join(fresh, '.pki', 'nssdb', 'cert9.db'), '');
    const [r] = installCa(ca, { platform: 'linux', home: fresh, stores: 'nss', run });
    expect(r).toMatchObject({ outcome: 'unavailable', command: expect.stringContaining('libnss3-tools') });
  });
});

describe('belay ca install on macOS and Windows (commands as the OS tools expect them)', () => {
  const fakeCa: CaIdentity = { pemPath: '/d/ca.pem', pem: '', nickname: 'Belay local CA (h)', sha1: 'AB12', sha256: 'CD34' };
  it('macOS: login keychain, trustRoot; removal by SHA-1', () => {
    const calls: string[][] = [];
    const run: Runner = (cmd, args) => (calls.push([cmd, ...args]), { code: args[0] === 'find-certificate' ? 1 : 0, stdout: '', stderr: '' });
    installCa(fakeCa, { platform: 'darwin', home: '/Users/me', run });
    expect(calls[1]).toEqual(['security', 'add-trusted-cert', '-r', 'trustRoot', '-k', '/Users/me/Library/Keychains/login.keychain-db', '/d/ca.pem']);
    const present: Runner = (cmd, args) => (calls.push([cmd, ...args]), { code: 0, stdout: 'SHA-1 hash: AB12\n', stderr: '' });
    uninstallCa(fakeCa, { platform: 'darwin', home: '/Users/me', run: present });
    expect(calls.at(-1)).toEqual(['security', 'delete-certificate', '-Z', 'AB12', '-t', '/Users/me/Library/Keychains/login.keychain-db']);
  });
  it('Windows: the user Root store; removal by thumbprint', () => {
    const calls: string[][] = [];
    let present = false;
    const run: Runner = (cmd, args) => {
      calls.push([cmd, ...args]);
      if (args.includes('-verifystore')) return { code: present ? 0 : 1, stdout: '', stderr: '' };
      return { code: 0, stdout: '', stderr: '' };
    };
    installCa(fakeCa, { platform: 'win32', home: 'C:\\Users\\me', run });
    expect(calls[1]).toEqual(['certutil', '-user', '-addstore', 'Root', '/d/ca.pem']);
    present = true;
    uninstallCa(fakeCa, { platform: 'win32', home: 'C:\\Users\\me', run });
    expect(calls.at(-1)).toEqual(['certutil', '-user', '-delstore', 'Root', 'AB12']);
  });
});
