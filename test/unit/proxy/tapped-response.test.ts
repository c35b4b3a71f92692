import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TappedResponse } from '../../../core/proxy/tapped-response.js';

// The fast lane's response tap: the flow must see exactly the bytes the client got, and its
// parse must not stand between a chunk and the socket (bench/RESULTS.md, item 23).
describe('TappedResponse', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  /** Serves one response through a TappedResponse driven by `drive`, its reports into `tapped`; returns what the client read. */
  async function serveOnce(tapped: Record<string, unknown>[], drive: (client: TappedResponse) => Promise<void>): Promise<string> {
    let done!: Promise<void>;
    server = http.createServer((_req, res) => {
      done = drive(
        new TappedResponse(res, {
          head: (status, headers) => tapped.push({ head: status, contentType: headers['content-type'] }),
          data: (chunk) => {
            // By the time the tap runs, the chunk has left Node's buffers for the kernel.
            tapped.push({ data: Buffer.from(chunk).toString(), queuedInNode: res.socket?.writableLength ?? -1, corked: res.socket?.writableCorked ?? -1 });
          },
        }),
      );
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const received = await new Promise<string>((resolve, reject) => {
      http
        .get({ port, host: '127.0.0.1', agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    await done;
    return received;
  }

  it('reports each chunk after it reached the socket, never inside the write, in order and byte for byte', async () => {
    const syncReports: number[] = [];
    const tapped: Record<string, unknown>[] = [];
    const received = await serveOnce(tapped, async (client) => {
      client.writeHead(200, { 'Content-Type': 'text/event-stream' });
      for (const event of ['data: one\n\n', 'data: two\n\n', 'data: three\n\n']) {
        const before = countData();
        client.write(event);
        syncReports.push(countData() - before);
        await new Promise((r) => setTimeout(r, 5));
      }
      client.end('data: [DONE]\n\n');
      await new Promise((r) => setImmediate(r));
    });
    function countData() {
      return tapped.filter((t) => 'data' in t).length;
    }
    expect(syncReports).toEqual([0, 0, 0]);
    expect(received).toBe('data: one\n\ndata: two\n\ndata: three\n\ndata: [DONE]\n\n');
    expect(tapped[0]).toEqual({ head: 200, contentType: 'text/event-stream' });
    const data = tapped.slice(1);
    expect(data.map((t) => t.data).join('')).toBe(received);
    for (const t of data.slice(0, 3)) expect(t).toMatchObject({ queuedInNode: 0, corked: 0 });
  });

  it('settle() reports what is still pending at once, and only once', async () => {
    let atSettle: string[] = [];
    let afterLaterTurn: string[] = [];
    const tapped: Record<string, unknown>[] = [];
    await serveOnce(tapped, async (client) => {
      client.writeHead(200, { 'content-type': 'application/json' });
      client.write('{"a":');
      client.end('1}');
      client.settle(); // what the fast lane does before it ends the flow
      atSettle = dataOf();
      await new Promise((r) => setTimeout(r, 5));
      afterLaterTurn = dataOf();
    });
    function dataOf() {
      return tapped.filter((t) => 'data' in t).map((t) => String(t.data));
    }
    expect(atSettle).toEqual(['{"a":', '1}']);
    expect(afterLaterTurn).toEqual(['{"a":', '1}']);
  });

  it('reports nothing for empty chunks', async () => {
    const tapped: Record<string, unknown>[] = [];
    const received = await serveOnce(tapped, async (client) => {
      client.writeHead(200, { 'content-type': 'text/plain' });
      client.write('');
      client.end(Buffer.alloc(0));
      await new Promise((r) => setTimeout(r, 5));
    });
    expect(received).toBe('');
    expect(tapped.filter((t) => 'data' in t)).toEqual([]);
  });
});
