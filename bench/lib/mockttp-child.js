// Bare mockttp as a passthrough proxy, configured like Belay's (same CA type, HTTP/2
// fallback, no traffic recording, loopback only) but with no rules, hooks or listeners:
// the floor of Belay's stack. The upstream's CA comes in through NODE_EXTRA_CA_CERTS, as
// for Belay. `node bench/lib/mockttp-child.js PORT CA_OUT`.
import { writeFileSync } from 'node:fs';
import * as mockttp from 'mockttp';

const { withLoopbackListen } = await import(new URL('../../dist/core/proxy/loopback.js', import.meta.url).href);
const [port, caOut] = process.argv.slice(2);
const ca = await mockttp.generateCACertificate({ commonName: 'Bench mockttp CA', bits: 2048 });
writeFileSync(caOut, ca.cert);
const server = mockttp.getLocal({ https: { cert: ca.cert, key: ca.key }, http2: 'fallback', passthrough: ['unknown-protocol'], recordTraffic: false, suggestChanges: false, cors: false });
const passthrough = {};
await server.forAnyWebSocket().thenPassThrough(passthrough);
await server.forUnmatchedRequest().thenPassThrough(passthrough);
await withLoopbackListen(() => server.start(Number(port)));
process.stdout.write(`listening ${server.port}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
