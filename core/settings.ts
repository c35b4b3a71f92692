import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { BelayPaths } from './paths.js';

/**
 * settings.json in the data folder. Every field has a default, so a missing file or a
 * missing section means "defaults"; an invalid file is a clear error (never silently
 * ignored: a typo in a security setting must not turn a protection off).
 */

/**
 * Hosts whose TLS Belay passes through untouched by default: they pin certificates or
 * speak protocols Belay cannot read (Cursor's backend is Connect-RPC protobuf over HTTP/2
 * streams and its docs ask for it to be excluded from inspection; Apple and Microsoft
 * update/push services pin). Patterns use mockttp's URLPattern hostname syntax.
 */
export const DEFAULT_TLS_PASSTHROUGH = [
  '*.cursor.sh',
  'cursor.sh',
  '*.apple.com',
  '*.icloud.com',
  '*.push.apple.com',
  '*.windowsupdate.com',
  '*.update.microsoft.com',
];

export const settingsSchema = z
  .object({
    proxy: z
      .object({
        port: z.number().int().min(1).max(65535).default(8080),
        /** Hostnames (globs like *.example.com) whose TLS is passed through, not inspected. */
        tlsPassthrough: z.array(z.string().min(1)).default(DEFAULT_TLS_PASSTHROUGH),
        /** Upstream proxy URL; when unset Belay honours the HTTPS_PROXY/NO_PROXY it was started with. */
        upstreamProxy: z.string().url().optional(),
        /** Request/response bodies larger than this are forwarded but not inspected. */
        maxInspectBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
        /** Extra CA files trusted for upstream connections (corporate TLS inspection). */
        extraCaFiles: z.array(z.string()).default([]),
        /** Look up which local process opened each connection (Linux /proc; once per connection, off the request path). */
        attributeProcesses: z.boolean().default(true),
        /** LLM API calls over HTTP/1.1 take Belay's own request path instead of mockttp's (core/proxy/fast-lane.ts). */
        fastLane: z.boolean().default(true),
      })
      .prefault({}),
    audit: z
      .object({
        /** Bodies are not stored unless turned on; when on they are capped and redacted. */
        storeBodies: z.boolean().default(false),
        maxBodyBytes: z.number().int().min(0).default(64 * 1024),
        retentionDays: z.number().int().min(1).optional(),
        retentionMaxBytes: z.number().int().min(1).optional(),
      })
      .prefault({}),
    approvals: z
      .object({
        timeoutSeconds: z.number().int().min(5).max(3600).default(60),
      })
      .prefault({}),
    stdio: z
      .object({
        /** What `belay mcp-wrap` does with an `ask` when Belay is not running. 'allow' is unsafe. */
        askWhenOffline: z.enum(['deny', 'allow']).default('deny'),
      })
      .prefault({}),
    control: z
      .object({
        /** 0 picks a free port each start; the chosen one is written to control.json. */
        port: z.number().int().min(0).max(65535).default(0),
      })
      .prefault({}),
    // Issue 9 (least privilege): the credential broker and anomaly alerts.
    broker: z
      .object({
        /** Where new keys are stored; 'auto' = the OS keychain when reachable, else the encrypted file (weaker). */
        store: z.enum(['auto', 'secret-service', 'keychain', 'credential-manager', 'file']).default('auto'),
        /** Alert when a copilot sends a real provider key instead of a Belay placeholder. */
        flagRealKeys: z.boolean().default(true),
      })
      .prefault({}),
    anomaly: z
      .object({
        enabled: z.boolean().default(true),
        /** Alert when a client contacts a host it never contacted before. */
        newHost: z.boolean().default(true),
        /** Alert when a client calls an MCP tool it never called before. */
        newTool: z.boolean().default(true),
        /** After a client is first seen, learn its hosts and tools silently for this long. */
        learningHours: z.number().min(0).max(24 * 30).default(24),
        /** One alert per condition per window; repeats inside it only raise the count. */
        windowMinutes: z.number().int().min(1).max(24 * 60).default(60),
        /** Volume alert when a minute (calls, errors) or an hour (tokens) exceeds its baseline this many times over. */
        spikeFactor: z.number().min(1.5).max(1000).default(5),
        /** Floors below which a spike is not worth an alert. */
        minCallsPerMinute: z.number().int().min(1).default(30),
        minTokensPerHour: z.number().int().min(1).default(200_000),
        minErrorsPerMinute: z.number().int().min(1).default(10),
        /** Closed buckets needed before a baseline is trusted. */
        minSamples: z.number().int().min(1).default(5),
      })
      .prefault({}),
  })
  .passthrough();

export type Settings = z.infer<typeof settingsSchema>;

export class SettingsError extends Error {}

export function loadSettings(paths: BelayPaths): Settings {
  let raw: unknown = {};
  try {
    raw = JSON.parse(readFileSync(paths.settings, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') {
      throw new SettingsError(`Cannot read ${paths.settings}: ${e.message}. Fix or delete the file (defaults are used when it is missing).`);
    }
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new SettingsError(`Invalid settings in ${paths.settings}: ${issues}`);
  }
  return parsed.data;
}
