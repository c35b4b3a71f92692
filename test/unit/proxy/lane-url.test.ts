import type { IncomingMessage } from 'node:http';
import { LastHopEncrypted, LastTunnelAddress, TlsMetadata } from 'mockttp/dist/util/socket-extensions';
import { describe, expect, it } from 'vitest';
import { laneUrl } from '../../../core/proxy/lane-url.js';

// The fast lane must log and forward a request under the URL mockttp's own path would give
// it; these pin the mockttp internals it reads (socket symbols, URL helpers) and its rules.
function request(url: string, headers: Record<string, string>, socket: Record<symbol, unknown>): IncomingMessage {
  return { url, headers, socket } as unknown as IncomingMessage;
}

describe('laneUrl', () => {
  it('inside a TLS tunnel to a name: https, the tunnel host, the default port dropped', () => {
    const req = request('/v1/chat/completions?x=1', { host: 'evil.example' }, { [LastTunnelAddress]: 'api.openai.com:443', [LastHopEncrypted]: true });
    expect(laneUrl(req)).toBe('https://api.openai.com/v1/chat/completions?x=1');
  });

  it('a tunnel to an IP takes the name from the Host header, the port from the tunnel', () => {
    const req = request('/v1/messages', { host: 'localhost:9999' }, { [LastTunnelAddress]: '127.0.0.1:8443', [LastHopEncrypted]: true });
    expect(laneUrl(req)).toBe('https://localhost:8443/v1/messages');
  });

  it('a tunnel to an IP without a Host header falls back to SNI, then to the IP', () => {
    const sni = request('/v1/messages', {}, { [LastTunnelAddress]: '127.0.0.1:8443', [LastHopEncrypted]: true, [TlsMetadata]: { sniHostname: 'api.anthropic.com' } });
    expect(laneUrl(sni)).toBe('https://api.anthropic.com:8443/v1/messages');
    const bare = request('/v1/messages', {}, { [LastTunnelAddress]: '[::1]:8443', [LastHopEncrypted]: true });
    expect(laneUrl(bare)).toBe('https://[::1]:8443/v1/messages');
  });

  it('plain HTTP through the proxy keeps its absolute URL; a path with no tunnel is not the lane\'s', () => {
    expect(laneUrl(request('http://127.0.0.1:11434/api/chat', {}, {}))).toBe('http://127.0.0.1:11434/api/chat');
    expect(laneUrl(request('/v1/chat/completions', { host: 'api.openai.com' }, {}))).toBeUndefined();
    expect(laneUrl(request('*', {}, { [LastTunnelAddress]: 'api.openai.com:443' }))).toBeUndefined();
  });
});
