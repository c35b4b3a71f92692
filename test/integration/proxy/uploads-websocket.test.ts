import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { caSubject } from '../../../core/proxy/ca.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { issueServerCert } from '../../helpers/tls.js';
import { openTunnel, tlsOverTunnel } from '../../helpers/tunnel.js';

// Uploads keep uploading and WebSockets keep working through Belay. The inspection cap is
// lowered to 64 KiB so "a JSON body over the cap" stays small enough for a quick test.
const CAP = 64 * 1024;
let world: ProxyWorld;

beforeAll(async () => {
  world = await startProxyWorld({ proxySettings: { maxInspectBytes: CAP } });
});
afterAll(async () => {
  await world?.stop();
});

describe('uploads', () => {
  it('a 50 MB binary POST arrives intact and is logged with its size', async () => {
    const { belay, provider } = world;
    const body = randomBytes(50 * 1024 * 1024);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const res = await belay.fetch(`${provider.url}/upload/blob.bin`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: 'POST', path: '/upload/blob.bin', bytes: body.length, sha256 });
    const [event] = await belay.waitForEvents((e) => e.path === '/upload/blob.bin');
    expect(event).toMatchObject({ protocol: 'http', method: 'POST', status: 200, bytesIn: body.length, decision: 'allow' });
    expect(event.error).toBeUndefined();
  }, 60_000);

  it('a JSON LLM request over the inspection cap still reaches the provider, byte for byte, marked not inspected', async () => {
    const { belay, provider } = world;
    const big = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(CAP * 3) }] });
    const res = await belay.fetch(`${provider.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    const answer = await res.text();
    expect(res.status, answer).toBe(200);
    expect(JSON.parse(answer)).toMatchObject({ object: 'chat.completion' });
    const got = provider.requests.at(-1)!;
    expect(got.bytes).toBe(Buffer.byteLength(big));
    expect(got.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    const [event] = await belay.waitForEvents((e) => e.type === 'llm.request' && e.bytesIn === Buffer.byteLength(big));
    expect(event).toMatchObject({ status: 200, data: { bodyInspected: false } });
  });

  it('a JSON request under the cap is inspected (no not-inspected mark)', async () => {
    const { belay, provider } = world;
    const small = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    const res = await belay.fetch(`${provider.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: small });
    expect(res.status).toBe(200);
    await res.text();
    const [event] = await belay.waitForEvents((e) => e.type === 'llm.request' && e.bytesIn === Buffer.byteLength(small));
    expect(event.data.bodyInspected).toBeUndefined();
    expect(event.data.messageCount).toBe(1);
  });
});

describe('WebSocket passthrough', () => {
  let plain: http.Server;
  let secure: https.Server;
  const servers: WebSocketServer[] = [];

  beforeAll(async () => {
    const echo = (wss: WebSocketServer) => {
      servers.push(wss);
      wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo: ${data.toString()}`, { binary: isBinary })));
    };
    plain = http.createServer();
    echo(new WebSocketServer({ server: plain }));
    const cert = issueServerCert(world.providerCa, ['localhost']);
    secure = https.createServer({ cert: cert.cert, key: cert.key });
    echo(new WebSocketServer({ server: secure }));
    await Promise.all([plain, secure].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });
  afterAll(async () => {
    for (const w of servers) w.close();
    for (const s of [plain, secure]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  async function echoThrough(url: string, socket: () => import('node:net').Socket): Promise<string[]> {
    const ws = new WebSocket(url, { createConnection: socket });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const replies: string[] = [];
    const got = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        replies.push(data.toString());
        if (replies.length === 2) resolve();
      }),
    );
    ws.send('hello');
    ws.send('second frame');
    await got;
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.close(1000, 'done');
    await closed;
    return replies;
  }

  it('ws:// through a CONNECT tunnel: frames go both ways', async () => {
    const { belay } = world;
    const port = (plain.address() as AddressInfo).port;
    const tunnel = await openTunnel(belay.proxy.port, 'localhost', port);
    expect(await echoThrough(`ws://localhost:${port}/socket`, () => tunnel)).toEqual(['echo: hello', 'echo: second frame']);
    const [event] = await belay.waitForEvents((e) => e.path === '/socket');
    expect(event).toMatchObject({ method: 'GET', status: 101, data: { websocket: true } });
  });

  it("wss:// intercepted with Belay's certificate: frames go both ways and the upgrade is logged", async () => {
    const { belay } = world;
    const port = (secure.address() as AddressInfo).port;
    const tls = await tlsOverTunnel(await openTunnel(belay.proxy.port, 'localhost', port), { servername: 'localhost', ca: belay.ca.cert, alpn: ['http/1.1'] });
    // The client trusts only Belay's CA, so this proves Belay terminated TLS and re-encrypted to the server.
    expect(tls.getPeerCertificate().issuer.CN).toBe(caSubject());
    expect(await echoThrough(`wss://localhost:${port}/secure-socket`, () => tls)).toEqual(['echo: hello', 'echo: second frame']);
    const [event] = await belay.waitForEvents((e) => e.path === '/secure-socket');
    expect(event).toMatchObject({ protocol: 'http', method: 'GET', host: 'localhost', status: 101, data: { websocket: true, closeCode: 1000 } });
    // One session, one event.
    await new Promise((r) => setTimeout(r, 300));
    expect(belay.events().filter((e) => e.path === '/secure-socket')).toHaveLength(1);
  });
});
