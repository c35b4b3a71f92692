import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Reads of the socket tables, counted on the real files.
const reads: string[] = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: (async (file: string, ...rest: unknown[]) => {
      const handle = await (actual.open as (...a: unknown[]) => Promise<import('node:fs/promises').FileHandle>)(file, ...rest);
      const read = handle.read.bind(handle) as (...a: unknown[]) => unknown;
      (handle as unknown as { read: unknown }).read = (...args: unknown[]) => {
        reads.push(String(file));
        return read(...args);
      };
      return handle;
    }) as typeof actual.open,
  };
});
const { socketInodes } = await import('../../../core/proxy/socket-table.js');

const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
/** A line as the kernel writes it. */
const line = (sl: number, localPort: number, remotePort: number, inode: number) =>
  `${String(sl).padStart(4)}: 0100007F:${hex(localPort)} 0100007F:${hex(remotePort)} 01 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 20 4 30 10 -1\n`;
const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

describe('socket tables', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-socket-table-'));
  const table = (name: string, lines: string[]) => {
    const file = path.join(dir, name);
    writeFileSync(file, HEADER + lines.join(''));
    return file;
  };

  it.runIf(process.platform === 'linux')("finds real connections' client ends, several in one read, as a full parse of the table does", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const proxyPort = (server.address() as net.AddressInfo).port;
    const clients = await Promise.all([0, 1, 2].map(() => new Promise<net.Socket>((r) => { const s = net.connect(proxyPort, '127.0.0.1', () => r(s)); })));
    try {
      const ports = clients.map((c) => c.localPort!);
      const expected = new Map<number, string>();
      for (const row of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
        const cols = row.trim().split(/\s+/);
        const port = ports.find((p) => cols[1]?.endsWith(`:${hex(p)}`) && cols[2]?.endsWith(`:${hex(proxyPort)}`));
        if (port !== undefined) expected.set(port, cols[9]);
      }
      expect(expected.size).toBe(3);
      reads.length = 0;
      expect(await socketInodes(ports, proxyPort)).toEqual(expected);
      expect(reads.every((f) => f === '/proc/net/tcp')).toBe(true);
      // The server's ends (local port = the proxy's) are not the clients'.
      expect(await socketInodes([proxyPort], proxyPort)).toEqual(new Map());
    } finally {
      for (const c of clients) c.destroy();
      server.close();
    }
  });

  it('stops reading once every port is found, and reads the next table only for what is missing', async () => {
    const filler = Array.from({ length: 8000 }, (_, i) => line(i + 2, 40000 + (i % 1000), 443, 900000 + i));
    const v4 = table('tcp', [line(0, 51000, 8080, 111), line(1, 51001, 8080, 222), ...filler]);
    const v6 = table('tcp6', [line(0, 51002, 8080, 333), ...filler]);
    reads.length = 0;
    expect(await socketInodes([51000, 51001], 8080, [v4, v6])).toEqual(new Map([[51000, '111'], [51001, '222']]));
    expect(reads).toEqual([v4]); // one chunk of a table of about 1 MB
    reads.length = 0;
    expect(await socketInodes([51000, 51002], 8080, [v4, v6])).toEqual(new Map([[51000, '111'], [51002, '333']]));
    expect(reads.filter((f) => f === v4).length).toBeGreaterThan(10); // all of it: 51002 is not there
    expect(reads.filter((f) => f === v6)).toEqual([v6]);
  });

  it('matches only the client end, and finds a line that straddles two reads', async () => {
    // The proxy's end of the same connection comes first (local port 8080, remote 51000),
    // then filler, then the client's end across the 64 KB mark of the first read.
    const proxyEnd = line(1, 8080, 51000, 555);
    const clientEnd = line(2, 51000, 8080, 666);
    const pad: string[] = [];
    let start = HEADER.length + proxyEnd.length;
    const target = 64 * 1024 - 50; // where the client's line starts: 50 bytes before the mark
    for (let i = 0; ; i++) {
      const next = line(i + 3, 30000 + (i % 1000), 443, 700000 + i);
      if (start + 2 * next.length > target) {
        // The last filler line is padded with spaces to end exactly at the target.
        pad.push(next.slice(0, -1) + ' '.repeat(target - start - next.length) + '\n');
        start = target;
        break;
      }
      pad.push(next);
      start += next.length;
    }
    const file = table('straddle', [proxyEnd, ...pad, clientEnd]);
    expect(readFileSync(file, 'latin1').indexOf(clientEnd)).toBe(target);
    expect(await socketInodes([51000], 8080, [file])).toEqual(new Map([[51000, '666']]));
  });

  it('answers nothing for a table it cannot read, or a port no one uses', async () => {
    expect(await socketInodes([51000], 8080, [path.join(dir, 'missing')])).toEqual(new Map());
    expect(await socketInodes([1], 8080, [table('small', [line(0, 51000, 8080, 1)])])).toEqual(new Map());
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));
});
