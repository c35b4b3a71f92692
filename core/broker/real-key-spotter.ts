import { createHash } from 'node:crypto';
import { findSecrets, maskSecret } from '../detectors/secret-rules.js';
import type { AlertStore } from '../anomaly/alert-store.js';
import { carriesPlaceholder } from './placeholder.js';
import { utcDay } from './key-registry.js';

type Headers = Record<string, string | string[] | undefined>;

/** Where clients put provider keys. */
const AUTH_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key', 'api-key'];
const KEY_PARAMS = ['key', 'api_key', 'apikey'];
const MAX_REMEMBERED = 10_000;

/**
 * Flags a copilot that sends a real provider key (known formats, from the secret rules)
 * instead of a Belay placeholder: "this client holds a real key — move it into Belay".
 * Once per client and key per UTC day; the key itself is never kept, only a hash prefix.
 */
export class RealKeySpotter {
  private readonly seen = new Set<string>();
  private day = '';

  constructor(
    private readonly alerts: Pick<AlertStore, 'raise'>,
    private readonly now: () => number = Date.now,
  ) {}

  inspect(req: { url: string; host: string; headers: Headers; client: string }): void {
    const values: string[] = [];
    for (const name of AUTH_HEADERS) {
      const v = req.headers[name];
      if (typeof v === 'string') values.push(v);
      else if (Array.isArray(v)) values.push(...v);
    }
    const q = req.url.indexOf('?');
    if (q >= 0) {
      try {
        const params = new URLSearchParams(req.url.slice(q + 1));
        for (const p of KEY_PARAMS) {
          const v = params.get(p);
          if (v) values.push(v);
        }
      } catch {
        // An unparseable query carries no key we could name.
      }
    }
    if (values.length === 0) return;
    const at = this.now();
    const day = utcDay(at);
    if (day !== this.day || this.seen.size > MAX_REMEMBERED) {
      this.seen.clear();
      this.day = day;
    }
    for (const value of values) {
      if (value.length > 4096 || carriesPlaceholder(value, {})) continue;
      for (const m of findSecrets(value)) {
        const fingerprint = createHash('sha256').update(m.value).digest('hex').slice(0, 12);
        const once = `${req.client}\u0000${fingerprint}`;
        if (this.seen.has(once)) continue;
        this.seen.add(once);
        this.alerts.raise({
          kind: 'real-key-in-client',
          client: req.client,
          subject: `${m.ruleId}:${fingerprint}`,
          severity: 'medium',
          at,
          host: req.host,
          message: `${req.client} sent a real ${m.description} (${maskSecret(m.value)}) to ${req.host}: this client holds a real key. Move it into Belay (\`belay keys add NAME\`) and give the client the placeholder instead.`,
          data: { ruleId: m.ruleId, keyFingerprint: fingerprint },
        });
      }
    }
  }
}
