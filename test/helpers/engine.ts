import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetch as undiciFetch, ProxyAgent, type RequestInit as UndiciRequestInit } from 'undici';
import type { AuditEvent } from '../../shared/events.js';
import type { PendingApproval } from '../../core/approvals/types.js';
import { startBelay, type Belay } from '../../core/engine.js';

/**
 * The real Belay engine (CA, proxy, guard, audit log, control API) in a fresh temp data
 * folder, plus what the proxy tests need around it: a fetch routed through the proxy the
 * way a user configures one (undici ProxyAgent + Belay's CA), and a wait for audit events
 * (events are written when a flow ends, a little after the client has its answer).
 */
export interface TestBelay extends Belay {
  home: string;
  /** An undici dispatcher that sends requests through Belay and trusts Belay's CA. */
  dispatcher: ProxyAgent;
  /** fetch() through Belay. */
  fetch(url: string, init?: UndiciRequestInit): ReturnType<typeof undiciFetch>;
  /** Every event so far, oldest first (flushes the write queue first). */
  events(): AuditEvent[];
  /** Waits until `count` events match, then returns them (oldest first). */
  waitForEvents(match: (e: AuditEvent) => boolean, opts?: { count?: number; timeoutMs?: number }): Promise<AuditEvent[]>;
}

export interface TestBelayOptions {
  /** settings.json content (written before start). */
  settings?: Record<string, unknown>;
  /** policy.yaml content; the shipped default policy when absent. */
  policy?: string;
  home?: string;
}

export async function startTestBelay(opts: TestBelayOptions = {}): Promise<TestBelay> {
  const home = opts.home ?? mkdtempSync(path.join(os.tmpdir(), 'belay-proxy-test-'));
  mkdirSync(home, { recursive: true, mode: 0o700 });
  if (opts.settings) writeFileSync(path.join(home, 'settings.json'), JSON.stringify(opts.settings, null, 2));
  if (opts.policy) writeFileSync(path.join(home, 'policy.yaml'), opts.policy);
  const warnings: string[] = [];
  const belay = await startBelay({ dataDir: home, proxyPort: 0, warn: (m) => warnings.push(m) });
  const dispatcher = new ProxyAgent({ uri: belay.proxy.url, requestTls: { ca: belay.ca.cert } });

  const events = (): AuditEvent[] => {
    belay.audit.flush();
    return belay.audit.query({ order: 'oldest', limit: 10_000 });
  };

  const test: TestBelay = Object.assign(belay, {
    home,
    dispatcher,
    fetch: (url: string, init?: UndiciRequestInit) => undiciFetch(url, { ...init, dispatcher }),
    events,
    async waitForEvents(match: (e: AuditEvent) => boolean, o: { count?: number; timeoutMs?: number } = {}) {
      const count = o.count ?? 1;
      const deadline = Date.now() + (o.timeoutMs ?? 10_000);
      for (;;) {
        const found = events().filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          const seen = events()
            .map((e) => `${e.type} ${e.method ?? ''} ${e.host ?? ''}${e.path ?? ''} ${e.status ?? ''} ${e.error ?? ''}`)
            .join('\n  ');
          throw new Error(`Expected ${count} matching audit event(s), found ${found.length}. Events:\n  ${seen}\nWarnings: ${warnings.join(' | ')}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  });
  const stop = belay.stop.bind(belay);
  test.stop = async (deadlineMs?: number) => {
    await dispatcher.close().catch(() => undefined);
    await stop(deadlineMs);
  };
  return test;
}

/**
 * Answers every approval Belay asks for (the default policy asks before the first use of
 * an MCP server, for instance), as a human at the tray would. Records what was asked.
 */
export function autoApprove(belay: Belay, decision: 'allow' | 'deny' = 'allow'): { asked: PendingApproval[]; stop(): void } {
  const asked: PendingApproval[] = [];
  const stop = belay.approvals.subscribe((change) => {
    if (change.type !== 'added') return;
    asked.push(change.approval);
    setImmediate(() => belay.approvals.decide(change.approval.id, { decision, by: 'test' }));
  });
  return { asked, stop };
}
