import net from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';

/**
 * mockttp's start() calls `server.listen(port)` with no host, which binds every
 * interface: anyone on the same Wi-Fi could use the developer's proxy and see what it
 * decrypts. While `start` runs we bind any bare `listen(port)` to loopback instead. The
 * patch only narrows (never widens) what a listen call would do, and is removed as soon
 * as `start` settles.
 */
export async function withLoopbackListen<T>(start: () => Promise<T>): Promise<T> {
  const original = net.Server.prototype.listen;
  const patched = function (this: net.Server, ...args: unknown[]) {
    if (args.length === 1 && typeof args[0] === 'number') {
      return original.call(this, { port: args[0], host: LOOPBACK_HOST });
    }
    return (original as (...a: unknown[]) => net.Server).apply(this, args);
  };
  net.Server.prototype.listen = patched as typeof original;
  try {
    return await start();
  } finally {
    net.Server.prototype.listen = original;
  }
}

/** The error a user sees when the proxy port is taken, with the ways out. */
export function portBusyMessage(port: number): string {
  return (
    `Port ${port} on 127.0.0.1 is already in use (another Belay, or another proxy?). ` +
    `Stop that program, or start Belay on another port with --proxy-port <N> ` +
    `(and point your copilots at that port).`
  );
}
