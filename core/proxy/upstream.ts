import { existsSync, readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { ProxySetting } from 'mockttp';
import type { Settings } from '../settings.js';

/**
 * Where Belay's own outbound connections go and whom they trust.
 *
 * Trust: Node's bundled roots, plus the OS bundle where it is a readable file (Debian,
 * Fedora, Alpine, macOS's /etc/ssl/cert.pem), plus NODE_EXTRA_CA_CERTS and any files in
 * settings (corporate TLS inspection). mockttp replaces Node's default list when extra CAs
 * are given, which would drop NODE_EXTRA_CA_CERTS silently, so it is read here explicitly.
 */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
];

export function upstreamTrustedCAs(settings: Settings['proxy'], env = process.env): { cert: string }[] {
  // Only what Node does not already trust is passed on: every extra certificate is paid for
  // on each upstream request (mockttp hands the list to Node per request, which folds it into
  // the agent's pool key). With nothing extra, Node's default store applies, and that store
  // already includes NODE_EXTRA_CA_CERTS.
  const known = new Set(tls.rootCertificates.map(pemBody));
  const out: { cert: string }[] = [];
  const bundle = SYSTEM_BUNDLES.find((f) => existsSync(f));
  if (bundle) {
    for (const cert of splitPem(readCa(bundle))) if (!known.has(pemBody(cert))) out.push({ cert });
  }
  for (const file of settings.extraCaFiles) out.push({ cert: readCa(file) });
  if (out.length && env.NODE_EXTRA_CA_CERTS) out.push({ cert: readCa(env.NODE_EXTRA_CA_CERTS) });
  return out;
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the CA file ${file} (${(err as Error).message}); fix proxy.extraCaFiles in settings.json or NODE_EXTRA_CA_CERTS.`);
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function splitPem(text: string): string[] {
  return text.match(PEM_CERT) ?? [];
}

/** The base64 body of a PEM certificate, without armour or line breaks, to compare certificates. */
function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

/**
 * The upstream (corporate) proxy: the setting wins; otherwise the HTTPS_PROXY/HTTP_PROXY
 * and NO_PROXY Belay itself was started with. A proxy that points back at Belay's own
 * port is ignored (it happens after `eval "$(belay env)"` in the shell that starts Belay)
 * and reported, since it would loop forever.
 */
export function upstreamProxy(
  settings: Settings['proxy'],
  ownPort: number,
  env = process.env,
): { setting?: ProxySetting; warning?: string } {
  const url = settings.upstreamProxy ?? env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  if (!url) return {};
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { warning: `Ignoring upstream proxy "${url}": not a URL.` };
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (loopback && Number(parsed.port || 80) === ownPort) {
    return { warning: `Ignoring upstream proxy ${url}: it is Belay itself (unset HTTPS_PROXY in the shell that starts Belay).` };
  }
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { setting: { proxyUrl: url, noProxy: noProxy.length ? noProxy : undefined } };
}
