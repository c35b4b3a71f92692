import { z } from 'zod';
import { MAX_ASK_TIMEOUT_MS } from '../../shared/api.js';
import { HttpError } from './http-util.js';

/** Request body schemas: the API checks every write before a service sees it. */

const remember = z.enum(['once', 'session', 'hour', 'always']);
const scope = z.enum(['tool', 'server', 'args']);
const risk = z.enum(['none', 'low', 'medium', 'high', 'critical']);

export const decisionBody = z.strictObject({
  decision: z.enum(['allow', 'deny']),
  remember: remember.optional(),
  scope: scope.optional(),
  by: z.string().max(64).optional(),
});

const finding = z.object({
  detector: z.string().max(200),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  message: z.string().max(4000),
  where: z.string().max(1000).optional(),
  evidence: z.string().max(4000).optional(),
  ruleId: z.string().max(200).optional(),
});

export const askBody = z.object({
  subject: z.object({
    kind: z.string().max(100),
    client: z.string().max(200),
    transport: z.enum(['proxy', 'stdio']),
    server: z.string().max(1000).optional(),
    tool: z.string().max(1000).optional(),
    arguments: z.unknown().optional(),
    host: z.string().max(1000).optional(),
    path: z.string().max(8000).optional(),
    method: z.string().max(100).optional(),
    provider: z.string().max(200).optional(),
    model: z.string().max(200).optional(),
    session: z.string().max(1000).optional(),
    uri: z.string().max(8000).optional(),
    // Remembered answers are bound to the tool's pin; without these a stdio answer never matched again.
    toolPin: z.string().max(200).optional(),
    approvedPin: z.string().max(200).optional(),
    toolChange: z.string().max(8000).optional(),
  }),
  findings: z.array(finding).max(200),
  risk,
  rule: z.string().max(1000).optional(),
  summary: z.string().max(4000).optional(),
  reason: z.string().max(4000).optional(),
  timeoutMs: z.number().int().positive().max(MAX_ASK_TIMEOUT_MS).optional(),
});

export const extendBody = z.strictObject({ ms: z.number().int().positive().max(5 * 60 * 1000) });

export const pauseBody = z.strictObject({
  minutes: z.number().positive().max(7 * 24 * 60).optional(),
});

export const policyBody = z.strictObject({ text: z.string().max(512 * 1024) });

export const dryRunBody = z.strictObject({
  text: z.string().max(512 * 1024),
  limit: z.number().int().positive().max(100_000).optional(),
});

export const reapproveBody = z.strictObject({ serverId: z.string().min(1).max(1000), tool: z.string().min(1).max(1000) });

export const doctorFixBody = z.strictObject({ client: z.string().min(1).max(200), checkId: z.string().max(200).optional() });

export const settingsBody = z.record(z.string(), z.unknown());

/** Parses a body or throws a 400 naming each bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`);
  throw new HttpError(400, `Invalid request body: ${problems.join('; ')}`);
}
