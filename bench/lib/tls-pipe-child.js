// The floor of any TLS-intercepting proxy written for Node: it answers CONNECT, terminates
// the client's TLS, opens TLS to the target and pipes the bytes both ways. No HTTP parsing,
// no rules, nothing recorded. What a proxy adds at c=1 beyond this is its HTTP handling and
// its own work; what this adds over direct is Node's TLS on two more legs and the extra
// process hop. It presents the upstream's own certificate (the client trusts the bench CA).
// `node bench/lib/tls-pipe-child.js PORT CERT_FILE KEY_FILE CA_FILE`.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const [port, certFile, keyFile, caFile] = process.argv.slice(2);
const secureContext = tls.createSecureContext({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
const ca = readFileSync(caFile);

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let head = Buffer.alloc(0);
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk]);
    if (head.indexOf('\r\n\r\n') < 0) return;
    socket.off('data', onData);
    const target = /^CONNECT (\S+):(\d+) /.exec(head.toString('latin1'));
    if (!target) return socket.destroy();
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const client = new tls.TLSSocket(socket, { isServer: true, secureContext });
    const upstream = tls.connect({ host: target[1], port: Number(target[2]), ca, servername: 'localhost' });
    upstream.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
  };
  socket.on('data', onData);
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
// Open tunnels would hold server.close() until the client closes them: the bench is done with them.
process.on('SIGTERM', () => process.exit(0));
