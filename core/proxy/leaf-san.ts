import net from 'node:net';

/**
 * The subjectAltName entries of a site certificate for `host` (leaf-certificates.ts).
 *
 * - An IP host gets an IP entry: TLS clients check IP hosts against IP SANs only (mockttp
 *   4.6 writes every host as a DNS name, which they reject).
 * - The default certificate (for "localhost", served when a client sends no SNI, which is
 *   what clients do when they connect to an IP) also covers 127.0.0.1 and ::1, so local
 *   HTTPS services reached by loopback IP work.
 *
 * Limit: a client reaching a non-loopback IP over HTTPS sends no SNI, so it receives the
 * default certificate; add such hosts to the TLS passthrough list.
 */
export interface SanEntry {
  type: 'dns' | 'ip';
  value: string;
}

export function sanEntries(host: string): SanEntry[] {
  if (net.isIP(host)) return [{ type: 'ip', value: host }];
  if (host === 'localhost') return [{ type: 'dns', value: host }, { type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' }];
  return [{ type: 'dns', value: host }];
}
