import { createHash } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { onUpstreamAgent } from './mockttp-agents.js';

/**
 * One TLS context per trust list and TLS settings, shared by every upstream connection.
 *
 * Where Belay trusts CAs beyond Node's own roots (a corporate CA, or roots the OS bundle has
 * and Node's lacks, as on Debian), every upstream request carries `ca`: Node's roots plus
 * those, about 150 certificates. Given `ca`, Node builds a new TLS context for each new
 * connection, parsing every certificate again (50 ms on the event loop, on a slow machine),
 * and its agents fold the whole list (240 KB) into each request's pool key. mockttp's
 * agents are per client connection, so every new copilot connection paid the 50 ms, and
 * every request the key (bench/RESULTS.md, Findings, item 14). Here each distinct list is
 * identified once (by identity, then by content) and its context built once.
 */

/** Options tls.createSecureContext reads (Node 20), bar `ca`: what a shared context must match. */
const CONTEXT_SETTINGS = ['ciphers', 'ecdhCurve', 'sigalgs', 'honorCipherOrder', 'minVersion', 'maxVersion', 'secureProtocol', 'secureOptions', 'sessionIdContext', 'sessionTimeout'] as const;
/** Options that make a context unique to their owner (client certificates and the like): never shared. */
const OWN_MATERIAL = ['cert', 'key', 'pfx', 'passphrase', 'privateKeyIdentifier', 'privateKeyEngine', 'clientCertEngine', 'crl', 'dhparam', 'ticketKeys'] as const;

type CaList = readonly (string | Buffer)[];
export type TlsOptions = Record<string, unknown> & { ca?: unknown; secureContext?: tls.SecureContext };

const listIds = new WeakMap<CaList, string>();
const contexts = new Map<string, tls.SecureContext>();

/** A short, stable name for a list of CAs: the same certificates get the same name. */
export function trustListId(ca: CaList): string {
  let id = listIds.get(ca);
  if (id === undefined) {
    const digest = createHash('sha256');
    for (const cert of ca) digest.update(cert).update('\n');
    id = `belay-trust:${digest.digest('hex').slice(0, 32)}`;
    listIds.set(ca, id);
  }
  return id;
}

/** Whether these options can use a shared context: a list of CAs, and nothing of their own. */
function shareable(options: TlsOptions): options is TlsOptions & { ca: CaList } {
  return Array.isArray(options.ca) && !options.secureContext && OWN_MATERIAL.every((name) => options[name] === undefined);
}

/** The shared context for these options (built on first use). */
export function sharedSecureContext(options: TlsOptions & { ca: CaList }): tls.SecureContext {
  const settings = CONTEXT_SETTINGS.map((name) => options[name]);
  const key = `${trustListId(options.ca)}|${JSON.stringify(settings)}`;
  let context = contexts.get(key);
  if (!context) {
    const contextOptions: tls.SecureContextOptions = { ca: [...options.ca] };
    for (const name of CONTEXT_SETTINGS) if (options[name] !== undefined) (contextOptions as Record<string, unknown>)[name] = options[name];
    context = tls.createSecureContext(contextOptions);
    contexts.set(key, context);
  }
  return context;
}

interface PoolingAgent {
  getName(options?: TlsOptions): string;
}
/** Node's https agents open each connection here. */
interface ConnectingAgent extends PoolingAgent {
  createConnection(options: TlsOptions, callback?: unknown): unknown;
}
/** agent-base's agents (mockttp's upstream-proxy agents) open each connection to the server, through the proxy, here. */
interface ProxyingAgent extends PoolingAgent {
  connect(req: unknown, options: TlsOptions & { secureEndpoint?: boolean }): unknown;
}

/** The options with the shared context in place of their list, or as they are. */
export function withSharedContext<T extends TlsOptions>(options: T): T {
  return shareable(options) ? { ...options, ca: undefined, secureContext: sharedSecureContext(options) } : options;
}

/**
 * Runs a pool-naming function with the list's short name standing in for the list, in
 * place for the call rather than in a copy of the options (called two or three times per
 * request: a copy of mockttp's ~30 options each time showed as 3 % of CPU at c=16).
 */
export function namedByTrustList<R>(options: TlsOptions | undefined, name: (options?: TlsOptions) => R): R {
  if (!options || !shareable(options)) return name(options);
  const ca = options.ca;
  (options as TlsOptions).ca = trustListId(ca);
  try {
    return name(options);
  } finally {
    options.ca = ca;
  }
}

/**
 * Makes an agent name its pools by the trust list's id instead of its text, and open TLS
 * connections with the shared context: Node's https agents, and agent-base's proxy agents
 * (what mockttp uses through an upstream proxy). Options with client certificates pass
 * unchanged; plain-HTTP agents are left alone.
 */
export function shareTlsContexts(agent: http.Agent): void {
  const isHttps = agent instanceof https.Agent;
  if (!isHttps && typeof (agent as unknown as Partial<ProxyingAgent>).connect !== 'function') return;
  const pooling = agent as unknown as PoolingAgent;
  const getName = pooling.getName.bind(agent);
  pooling.getName = (options = {}) => namedByTrustList(options, getName);
  if (isHttps) {
    const connecting = agent as unknown as ConnectingAgent;
    const createConnection = connecting.createConnection.bind(agent);
    connecting.createConnection = (options, callback) => createConnection(withSharedContext(options), callback);
  } else {
    const proxying = agent as unknown as ProxyingAgent;
    const connect = proxying.connect.bind(agent);
    // A plain-HTTP request through the proxy carries mockttp's TLS options too: no context for it.
    proxying.connect = (req, options) => connect(req, options.secureEndpoint === false ? options : withSharedContext(options));
  }
}

/** mockttp's HTTP/1 upstream agents share contexts from now on (HTTP/2: shared-tls-context-h2.ts). */
export function installSharedTlsContexts(): void {
  onUpstreamAgent(shareTlsContexts);
}
