import tls from 'node:tls';
import { requireFromMockttp } from './mockttp-require.js';
import { namedByTrustList, withSharedContext, type TlsOptions } from './shared-tls-context.js';

/**
 * The HTTP/2 side of shared-tls-context.ts. When a client speaks HTTP/2 to Belay and the
 * upstream offers it too, mockttp forwards through http2-wrapper: `auto()` first learns
 * the origin's protocol from a TLS probe (once per origin, cached), then its Agent opens
 * a session per client connection (mockttp makes one Agent per client connection). Both
 * were given `ca`, so each built a TLS context of ~150 certificates (50 ms of the event
 * loop on a slow machine), and the Agent folded the list's text into the pool name it
 * builds for every request.
 *
 * Patched here on http2-wrapper itself, the copy mockttp loads and nothing else in Belay
 * uses: the Agent's own `createConnection` must stay the prototype's, since `auto()`
 * hands the probe's socket on to the session only when it is (a per-Agent replacement
 * would cost one more TLS handshake per origin).
 */
interface Http2WrapperAgentClass {
  prototype: { normalizeOptions(options?: TlsOptions): string };
  connect(origin: URL, options: TlsOptions): tls.TLSSocket;
}
type ResolveProtocol = (options: TlsOptions) => Promise<unknown>;
interface Http2WrapperAuto {
  (input: unknown, options?: unknown, callback?: unknown): Promise<unknown>;
  protocolCache: unknown;
  createResolveProtocol(cache: unknown, queue: Map<string, unknown>, connect: (options: TlsOptions, callback: () => void) => tls.TLSSocket): ResolveProtocol;
}
interface Http2Wrapper {
  Agent: Http2WrapperAgentClass;
  auto: Http2WrapperAuto;
}

const patched = Symbol('belay.sharedTlsContexts');

export function shareHttp2UpstreamTlsContexts(wrapper = requireFromMockttp('http2-wrapper') as Http2Wrapper & { [patched]?: true }): void {
  if (wrapper[patched]) return;
  wrapper[patched] = true;
  const { Agent } = wrapper;

  // Pool names: the list's short name, not its text.
  const normalizeOptions = Agent.prototype.normalizeOptions;
  Agent.prototype.normalizeOptions = function (this: unknown, options?: TlsOptions) {
    return namedByTrustList(options, (named) => normalizeOptions.call(this, named));
  };

  // Sessions: the shared context (the prototype's createConnection calls this).
  const connect = Agent.connect.bind(Agent);
  Agent.connect = (origin, options) => connect(origin, withSharedContext(options));

  // The protocol probe: the same, through the hook http2-wrapper offers for it, with its
  // own cache so an origin is still probed once. A caller's own hook (mockttp's, when it
  // logs TLS keys) is left in place.
  const auto = wrapper.auto;
  const resolveProtocol = auto.createResolveProtocol(auto.protocolCache, new Map(), (options, callback) => tls.connect(withSharedContext(options) as tls.ConnectionOptions, callback));
  // auto(input, options?, callback?): the options are the second argument when it is an object, else the first.
  const sharedAuto = ((input: unknown, options?: unknown, callback?: unknown) => {
    const withHook = (o: unknown) => (isObject(o) && !o.resolveProtocol ? { ...o, resolveProtocol } : o);
    return isObject(options) ? auto(input, withHook(options), callback) : auto(withHook(input), options, callback);
  }) as Http2WrapperAuto;
  Object.assign(sharedAuto, auto);
  wrapper.auto = sharedAuto;
}

function isObject(value: unknown): value is { resolveProtocol?: ResolveProtocol } {
  return typeof value === 'object' && value !== null && !(value instanceof URL);
}
