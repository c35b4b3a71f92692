import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { describe, expect, it } from 'vitest';
import { requireFromMockttp } from '../../../core/proxy/mockttp-require.js';
import { shareTlsContexts, sharedSecureContext, trustListId } from '../../../core/proxy/shared-tls-context.js';
import { shareHttp2UpstreamTlsContexts } from '../../../core/proxy/shared-tls-context-h2.js';

type Pooling = { getName(o: object): string; createConnection(o: object, cb?: unknown): unknown };

/** An https agent patched as mockttp's are, whose connections are recorded instead of opened. */
function patchedAgent(): { agent: https.Agent; opened: Record<string, unknown>[] } {
  const agent = new https.Agent({ keepAlive: true });
  const opened: Record<string, unknown>[] = [];
  (agent as unknown as Pooling).createConnection = (options: object) => opened.push(options as Record<string, unknown>);
  shareTlsContexts(agent);
  return { agent, opened };
}

describe('shared upstream TLS contexts', () => {
  const list = [...tls.rootCertificates];

  it('names a list of CAs by its content', () => {
    expect(trustListId(list)).toBe(trustListId([...tls.rootCertificates]));
    expect(trustListId(list)).not.toBe(trustListId(tls.rootCertificates.slice(1)));
    expect(trustListId(list).length).toBeLessThan(64);
  });

  it('pools by the list’s name, not its 200 KB of text', () => {
    const { agent } = patchedAgent();
    const options = { host: 'api.openai.com', port: 443, ca: list };
    const name = (agent as unknown as Pooling).getName(options);
    expect(options.ca).toBe(list); // the request's own options are left as they were
    expect(name.length).toBeLessThan(200);
    expect(name).toContain(trustListId(list));
    expect((agent as unknown as Pooling).getName({ host: 'api.openai.com', port: 443, ca: [...list] })).toBe(name);
  });

  it('opens connections with one context per list and TLS settings', () => {
    const { agent, opened } = patchedAgent();
    const pooling = agent as unknown as Pooling;
    pooling.createConnection({ host: 'a.example', ca: list, ciphers: 'TLS_AES_128_GCM_SHA256' });
    pooling.createConnection({ host: 'b.example', ca: [...list], ciphers: 'TLS_AES_128_GCM_SHA256' });
    pooling.createConnection({ host: 'c.example', ca: list, ciphers: 'TLS_AES_256_GCM_SHA384' });
    expect(opened.map((o) => o.ca)).toEqual([undefined, undefined, undefined]);
    expect(opened[0].secureContext).toBeInstanceOf(tls.SecureContext);
    expect(opened[1].secureContext).toBe(opened[0].secureContext);
    expect(opened[2].secureContext).not.toBe(opened[0].secureContext);
    expect(sharedSecureContext({ ca: list, ciphers: 'TLS_AES_128_GCM_SHA256' })).toBe(opened[0].secureContext);
  });

  it('leaves options with a client certificate, or a context of their own, as they are', () => {
    const { agent, opened } = patchedAgent();
    const pooling = agent as unknown as Pooling;
    const own = tls.createSecureContext();
    pooling.createConnection({ host: 'a.example', ca: list, pfx: Buffer.from('client certificate') });
    pooling.createConnection({ host: 'b.example', ca: list, secureContext: own });
    expect(opened[0].ca).toBe(list);
    expect(opened[0].secureContext).toBeUndefined();
    expect(opened[1].secureContext).toBe(own);
    expect(pooling.getName({ host: 'a.example', port: 443, ca: list, pfx: Buffer.from('x') }).length).toBeGreaterThan(100_000);
  });

  it("does the same for agent-base's proxy agents, but not for plain HTTP through them", () => {
    const agent = new HttpsProxyAgent('http://127.0.0.1:3128');
    const opened: Record<string, unknown>[] = [];
    (agent as unknown as { connect(req: unknown, o: object): unknown }).connect = (_req, options) => opened.push(options as Record<string, unknown>);
    shareTlsContexts(agent);
    const proxying = agent as unknown as { connect(req: unknown, o: object): unknown; getName(o: object): string };
    proxying.connect({}, { host: 'a.example', ca: list, secureEndpoint: true });
    proxying.connect({}, { host: 'b.example', ca: list, secureEndpoint: false });
    expect(opened[0].ca).toBeUndefined();
    expect(opened[0].secureContext).toBeInstanceOf(tls.SecureContext);
    expect(opened[1].ca).toBe(list);
    expect(opened[1].secureContext).toBeUndefined();
    expect(proxying.getName({ host: 'a.example', port: 443, ca: list, secureEndpoint: true }).length).toBeLessThan(200);
  });

  it('leaves plain-HTTP agents alone', () => {
    const agent = new http.Agent();
    const createConnection = (agent as unknown as Pooling).createConnection;
    shareTlsContexts(agent);
    expect((agent as unknown as Pooling).createConnection).toBe(createConnection);
  });

  it("names http2-wrapper's sessions by the list's name too, as mockttp's copy runs them", () => {
    // The copy mockttp loads; proxy start-up patches it once per process (shared-tls-context-h2.ts).
    shareHttp2UpstreamTlsContexts();
    const { Agent } = requireFromMockttp('http2-wrapper') as { Agent: new () => { normalizeOptions(o: object): string } };
    const options = { ca: list, rejectUnauthorized: true };
    const name = new Agent().normalizeOptions(options);
    expect(options.ca).toBe(list);
    expect(name.length).toBeLessThan(400);
    expect(name).toContain(trustListId(list));
    expect(new Agent().normalizeOptions({ ca: list, pfx: Buffer.from('client certificate') }).length).toBeGreaterThan(100_000);
  });
});
