import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Which fd tables and socket tables each lookup reads: the real /proc, with the reads counted.
const fdTablesRead: string[] = [];
const socketTablesOpened: string[] = [];
let procListFails = false;
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: ((file: string, ...rest: unknown[]) => {
      if (String(file).startsWith('/proc/net/')) socketTablesOpened.push(String(file));
      return (actual.open as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof actual.open,
    readdir: ((dir: string, ...rest: unknown[]) => {
      if (procListFails && String(dir) === '/proc') return Promise.reject(new Error('EACCES: /proc (test)'));
      if (/^\/proc\/\d+\/fd$/.test(String(dir))) fdTablesRead.push(String(dir));
      return (actual.readdir as (...a: unknown[]) => unknown)(dir, ...rest);
    }) as typeof actual.readdir,
  };
});
const { ProcessAttribution } = await import('../../../core/proxy/process-attribution.js');

describe.runIf(process.platform === 'linux')('ProcessAttribution: recent owners first', () => {
  let server: net.Server;
  let port = 0;
  const accepted: net.Socket[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    server = net.createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    for (const c of children) c.kill();
    for (const s of accepted) s.destroy();
    server.close();
  });

  /** A process that opens `count` connections; resolves with their client ports. */
  async function connectFrom(count: number): Promise<{ pid: number; ports: number[] }> {
    const arrived: net.Socket[] = [];
    const all = new Promise<void>((resolve) => {
      const onConnection = (s: net.Socket) => {
        arrived.push(s);
        if (arrived.length < count) return;
        server.off('connection', onConnection);
        resolve();
      };
      server.on('connection', onConnection);
    });
    const child = spawn(process.execPath, ['-e', `const n=require('net');const a=[];(async()=>{for(let i=0;i<${count};i++){a.push(n.connect(${port},'127.0.0.1'));await new Promise(r=>setTimeout(r,100))}})();setTimeout(()=>{},20000)`], { stdio: 'ignore' });
    children.push(child);
    await all;
    return { pid: child.pid!, ports: arrived.map((s) => s.remotePort!) };
  }

  it("finds a known process's next connection in its own fd table alone, and still finds a new process", async () => {
    const lookup = new ProcessAttribution(() => port, true);
    const first = await connectFrom(2);
    fdTablesRead.length = 0;
    expect((await lookup.lookup(first.ports[0]))?.pid).toBe(first.pid);
    const fullScan = fdTablesRead.length;
    expect(fullScan).toBeGreaterThan(1);

    fdTablesRead.length = 0;
    expect((await lookup.lookup(first.ports[1]))?.pid).toBe(first.pid);
    expect(fdTablesRead).toEqual([`/proc/${first.pid}/fd`]);

    const other = await connectFrom(1);
    fdTablesRead.length = 0;
    expect((await lookup.lookup(other.ports[0]))?.pid).toBe(other.pid);
    expect(fdTablesRead[0]).toBe(`/proc/${first.pid}/fd`);
    expect(fdTablesRead).toContain(`/proc/${other.pid}/fd`);
  });

  it('answers lookups that wait together from one read of the socket table', async () => {
    const lookup = new ProcessAttribution(() => port, true);
    const burst = await connectFrom(4);
    socketTablesOpened.length = 0;
    const found = await Promise.all(burst.ports.map((p) => lookup.lookup(p)));
    expect(found.map((p) => p?.pid)).toEqual(burst.ports.map(() => burst.pid));
    // The first lookup starts a read at once; the three that arrive during it share the next.
    expect(socketTablesOpened.filter((f) => f === '/proc/net/tcp').length).toBeLessThanOrEqual(2);
  });

  it('answers "unknown" when /proc cannot be listed, and goes on answering after', async () => {
    const lookup = new ProcessAttribution(() => port, true);
    const stranger = await connectFrom(1);
    procListFails = true;
    try {
      expect(await lookup.lookup(stranger.ports[0])).toBeUndefined();
    } finally {
      procListFails = false;
    }
    const next = await connectFrom(1);
    expect((await lookup.lookup(next.ports[0]))?.pid).toBe(next.pid);
  });
});
