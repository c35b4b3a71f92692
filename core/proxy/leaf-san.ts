import net from 'node:net';
import { requireFromMockttp } from './mockttp-require.js';

/**
 * mockttp 4.6 writes every leaf certificate's subjectAltName as a DNS name, even when
 * the host is an IP address; TLS clients check IP hosts against IP SANs only, so they
 * reject such a certificate. We correct the SAN extension class that mockttp's own
 * certificate code uses (the same module instance, resolved from mockttp's folder):
 *
 * - an IP host gets an IP SAN;
 * - the default certificate (for "localhost", served when a client sends no SNI, which
 *   is what clients do when they connect to an IP) also covers 127.0.0.1 and ::1, so
 *   local HTTPS services reached by loopback IP work.
 *
 * Limit: a client reaching a non-loopback IP over HTTPS sends no SNI, so it receives the
 * default certificate; add such hosts to the TLS passthrough list. Remove this module once
 * mockttp issues IP SANs itself.
 */
interface SanEntry {
  type: string;
  value: string;
}

let installed = false;

export function installIpSanFix(): void {
  if (installed) return;
  const x509 = requireFromMockttp('@peculiar/x509') as { SubjectAlternativeNameExtension: new (...args: unknown[]) => unknown };
  const Original = x509.SubjectAlternativeNameExtension;
  class IpAwareSubjectAlternativeNameExtension extends (Original as new (...args: unknown[]) => object) {
    constructor(...args: unknown[]) {
      const [entries, ...rest] = args;
      super(Array.isArray(entries) ? fixEntries(entries as SanEntry[]) : entries, ...rest);
    }
  }
  x509.SubjectAlternativeNameExtension = IpAwareSubjectAlternativeNameExtension;
  installed = true;
}

export function fixEntries(entries: SanEntry[]): SanEntry[] {
  const out: SanEntry[] = [];
  for (const e of entries) {
    if (e.type === 'dns' && net.isIP(e.value)) {
      out.push({ type: 'ip', value: e.value });
    } else {
      out.push(e);
      if (e.type === 'dns' && e.value === 'localhost') {
        out.push({ type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' });
      }
    }
  }
  return out;
}
