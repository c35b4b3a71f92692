import net from 'node:net';
import tls from 'node:tls';

/**
 * Opens a CONNECT tunnel through an HTTP proxy by hand (what every proxy-aware client does
 * first), for the tests that need a raw socket: WebSocket clients, raw TLS to read the
 * certificate Belay presents, non-HTTP bytes.
 */
export function openTunnel(proxyPort: number, host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxyPort, '127.0.0.1');
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      if (status !== '200') {
        socket.destroy();
        reject(new Error(`CONNECT ${host}:${port} answered: ${head.split('\r\n')[0]}`));
        return;
      }
      // Bytes after the header already belong to the tunnel.
      const rest = Buffer.from(head.slice(end + 4), 'latin1');
      if (rest.length) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
  });
}

/** TLS over a tunnel, trusting `ca`; resolves once the handshake is done. */
export function tlsOverTunnel(socket: net.Socket, opts: { servername?: string; host?: string; ca: string; alpn?: string[] }): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    // `host` is what the certificate is checked against (Node sends no SNI for an IP).
    const host = opts.host ?? opts.servername;
    const secure = tls.connect({ socket, host, servername: opts.servername, ca: opts.ca, ALPNProtocols: opts.alpn }, () => resolve(secure));
    secure.once('error', reject);
  });
}
