// A throwaway CA and a server certificate for localhost/127.0.0.1 (openssl CLI), so the
// benchmark's upstream speaks real TLS that each proxy must verify or be told to skip.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function makePki(dir = mkdtempSync(path.join(os.tmpdir(), 'belay-bench-pki-'))) {
  const p = (f) => path.join(dir, f);
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Belay Bench Upstream CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'srv.csr', '-subj', '/CN=localhost']);
  writeFileSync(p('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  run(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return {
    dir,
    caFile: p('ca.pem'),
    certFile: p('cert.pem'),
    keyFile: p('key.pem'),
    ca: readFileSync(p('ca.pem'), 'utf8'),
    cert: readFileSync(p('cert.pem'), 'utf8'),
    key: readFileSync(p('key.pem'), 'utf8'),
  };
}
