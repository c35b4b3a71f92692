import net from 'node:net';
import * as mockttp from 'mockttp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installPortCache } from '../../../core/proxy/port-cache.js';

describe("mockttp's port, read once per listening server", () => {
  let server: mockttp.Mockttp | undefined;
  afterEach(async () => {
    await server?.stop();
    vi.restoreAllMocks();
  });

  it('asks the OS once however often it is read, and reads the new port after a restart', async () => {
    installPortCache();
    const address = vi.spyOn(net.Server.prototype, 'address');
    server = mockttp.getLocal();
    expect(() => server!.port).toThrow(/before server is started/);

    const [one, two] = await Promise.all([freePort(), freePort()]);
    await server.start(one);
    const first = server.port;
    address.mockClear();
    for (let i = 0; i < 50; i++) expect(server.port).toBe(first);
    expect(address).not.toHaveBeenCalled();
    expect(first).toBe(one);

    await server.stop();
    await server.start(two);
    expect(server.port).toBe(two);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}
