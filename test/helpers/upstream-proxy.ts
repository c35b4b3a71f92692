import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A minimal corporate-style upstream proxy (CONNECT only, which is how mockttp reaches any
 * upstream through a proxy). It sends the real provider host names (api.openai.com, …) to
 * the local fake provider, so clients and Belay use the providers' real URLs, Belay
 * classifies and prices them as it would in the field, and Belay's upstream-proxy support is
 * exercised on the way. Every CONNECT target is recorded.
 */
export interface RedirectingProxy {
  port: number;
  url: string;
  connects: string[];
  close(): Promise<void>;
}

export async function startRedirectingProxy(route: (host: string, port: number) => { host: string; port: number }): Promise<RedirectingProxy> {
  const connects: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('This test proxy only tunnels (CONNECT).\n');
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const target = req.url ?? '';
    connects.push(target);
    const [host, portText] = splitHostPort(target);
    const to = route(host, Number(portText));
    const upstream = net.connect(to.port, to.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      client.destroy();
    });
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function splitHostPort(target: string): [string, string] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
  return m ? [m[1], m[2]] : [target, '443'];
}
