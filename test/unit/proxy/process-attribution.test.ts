import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessAttribution } from '../../../core/proxy/process-attribution.js';

// A real process opens a real connection; the lookup must name that process.
describe.runIf(process.platform === 'linux')('ProcessAttribution (Linux /proc)', () => {
  let server: net.Server;
  let port = 0;
  const accepted: net.Socket[] = [];

  beforeAll(async () => {
    server = net.createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    for (const s of accepted) s.destroy();
    server.close();
  });

  it('names the process that opened the connection, by its client port', async () => {
    const child = spawn(process.execPath, ['-e', `const s=require('net').connect(${port},'127.0.0.1');setTimeout(()=>s.end(),20000)`], { stdio: 'ignore' });
    try {
      const socket = await new Promise<net.Socket>((resolve) => server.once('connection', resolve));
      const lookup = new ProcessAttribution(() => port, true);
      const pending = lookup.lookup(socket.remotePort);
      // Flows read the answer when they end, without waiting: nothing until the scan is done.
      expect(lookup.known(socket.remotePort)).toBeUndefined();
      const found = await pending;
      expect(lookup.known(socket.remotePort)).toEqual(found);
      expect(found?.pid).toBe(child.pid);
      expect(found?.name).toBe('node');
      expect(found?.command).toContain('connect(');
      // Cached per connection: the same promise answers again.
      expect(await lookup.lookup(socket.remotePort)).toEqual(found);
    } finally {
      child.kill();
    }
  });

  it('answers undefined for a port no one uses, and when disabled', async () => {
    expect(await new ProcessAttribution(() => port, true).lookup(1)).toBeUndefined();
    expect(await new ProcessAttribution(() => port, false).lookup(12345)).toBeUndefined();
  });
});
