import { getLocal } from './mockttp-lean.js';

/**
 * mockttp reads its own `port` for every request it preprocesses, and the getter asks the
 * OS each time (`server.address()`, a getsockname): about 1 % of the proxy's CPU at c=16
 * (bench/RESULTS.md). A listening server's port never changes, so it is read once per
 * server. Keyed by mockttp's net server, which a restart replaces; before the server
 * listens the getter behaves (and fails) as mockttp's own.
 */
let installed = false;

export function installPortCache(): void {
  if (installed) return;
  const proto = Object.getPrototypeOf(getLocal()) as object;
  const original = Object.getOwnPropertyDescriptor(proto, 'port')?.get;
  if (!original) throw new Error("this version of mockttp has no 'port' getter for Belay to cache (core/proxy/port-cache.ts)");
  const ports = new WeakMap<object, number>();
  Object.defineProperty(proto, 'port', {
    configurable: true,
    get(this: { server?: object }) {
      const server = this.server;
      const known = server && ports.get(server);
      if (known !== undefined) return known;
      const port = original.call(this) as number;
      if (server && typeof port === 'number') ports.set(server, port);
      return port;
    },
  });
  installed = true;
}
