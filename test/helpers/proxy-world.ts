import { autoApprove, startTestBelay, type TestBelay, type TestBelayOptions } from './engine.js';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';
import { issueServerCert, makeTestCa, PROVIDER_HOSTS, type TestCa } from './tls.js';
import { startRedirectingProxy, type RedirectingProxy } from './upstream-proxy.js';

/**
 * Everything a proxy test stands on: a fake provider with its own CA (trusted by Belay via
 * settings `proxy.extraCaFiles`), optionally reached through an upstream proxy that routes
 * the real provider host names to it, and the engine in a temp data folder.
 */
export interface ProxyWorld {
  providerCa: TestCa;
  provider: FakeProvider;
  upstream?: RedirectingProxy;
  belay: TestBelay;
  /** Approvals answered so far (only when `approve` was set). */
  approvals?: ReturnType<typeof autoApprove>;
  stop(): Promise<void>;
}

export interface ProxyWorldOptions {
  /** Route api.openai.com, api.anthropic.com and generativelanguage.googleapis.com to the fake provider through an upstream proxy. */
  realHosts?: boolean;
  /** Extra settings merged into settings.json's `proxy` section. */
  proxySettings?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  policy?: TestBelayOptions['policy'];
  /** Answer every approval Belay asks for with this decision. */
  approve?: 'allow' | 'deny';
  delayMs?: number;
}

export async function startProxyWorld(opts: ProxyWorldOptions = {}): Promise<ProxyWorld> {
  const providerCa = makeTestCa();
  const provider = await startFakeProvider({ cert: issueServerCert(providerCa, PROVIDER_HOSTS), delayMs: opts.delayMs });
  const upstream = opts.realHosts
    ? await startRedirectingProxy((host, port) => (PROVIDER_HOSTS.includes(host) && port === 443 ? { host: '127.0.0.1', port: provider.port } : { host, port }))
    : undefined;
  const belay = await startTestBelay({
    settings: {
      ...opts.settings,
      proxy: {
        extraCaFiles: [providerCa.certFile],
        ...(upstream ? { upstreamProxy: upstream.url } : {}),
        ...opts.proxySettings,
      },
    },
    policy: opts.policy,
  });
  const approvals = opts.approve ? autoApprove(belay, opts.approve) : undefined;
  return {
    providerCa,
    provider,
    upstream,
    belay,
    approvals,
    async stop() {
      approvals?.stop();
      await belay.stop();
      await upstream?.close();
      await provider.close();
    },
  };
}
