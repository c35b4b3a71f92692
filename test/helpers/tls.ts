import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Throwaway certificate authorities for the proxy tests, made with the openssl CLI (a real
 * tool, and the certificates it writes are what servers in the field present).
 *
 * A "provider" CA signs the fake provider's certificate; Belay trusts it through
 * settings.json `proxy.extraCaFiles`, the way a company adds its internal CA. A second,
 * unrelated CA makes a certificate Belay must refuse.
 */
export interface TestCa {
  dir: string;
  name: string;
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface TestServerCert {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA valid for `days` days (2 by default). */
export function makeTestCa(name = 'Belay Test Provider CA', opts: { days?: number; dir?: string } = {}): TestCa {
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'belay-test-ca-'));
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const certFile = path.join(dir, `${slug}.pem`);
  const keyFile = path.join(dir, `${slug}.key`);
  openssl(dir, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', String(opts.days ?? 2),
    '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { dir, name, certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** A server certificate signed by `ca` for the given host names and IP addresses. */
export function issueServerCert(ca: TestCa, hosts: string[], opts: { days?: number } = {}): TestServerCert {
  const slug = `leaf-${hosts[0].replace(/[^a-z0-9]+/gi, '-')}-${Math.random().toString(36).slice(2, 8)}`;
  const p = (ext: string) => path.join(ca.dir, `${slug}.${ext}`);
  const san = hosts.map((h) => (net.isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  writeFileSync(p('cnf'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  openssl(ca.dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('key'), '-out', p('csr'), '-subj', `/CN=${hosts[0]}`]);
  openssl(ca.dir, [
    'x509', '-req', '-in', p('csr'), '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', p('pem'),
    '-days', String(opts.days ?? 2), '-extfile', p('cnf'),
  ]);
  return { certFile: p('pem'), keyFile: p('key'), cert: readFileSync(p('pem'), 'utf8'), key: readFileSync(p('key'), 'utf8') };
}

/** The host names the fake provider answers for (real provider hosts, routed to it by the test upstream proxy). */
export const PROVIDER_HOSTS = ['api.openai.com', 'api.anthropic.com', 'generativelanguage.googleapis.com', 'localhost', '127.0.0.1'];
