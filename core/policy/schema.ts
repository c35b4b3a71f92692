import { z } from 'zod';
import type { ActionKind } from '../pipeline/action.js';

/** The policy file's shape. Every object is strict: a misspelt key is an error, never silently ignored. */

export const ACTION_KINDS = [
  'llm.request', 'llm.tool_use', 'mcp.initialize', 'mcp.tools_list', 'mcp.tool_call', 'mcp.resource_read', 'mcp.prompt_get',
  'mcp.message', 'a2a.message', 'http',
] as const satisfies readonly ActionKind[];

export const POLICY_ACTIONS = ['allow', 'ask', 'deny', 'redact'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

const severity = z.enum(['low', 'medium', 'high', 'critical']);
const action = z.enum(POLICY_ACTIONS);
const kind = z.enum(ACTION_KINDS);
const names = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const regex = z.string().min(1).superRefine((src, ctx) => {
  try {
    new RegExp(src, 'i');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
  }
});

const argumentMatch = z
  .object({
    /** Dotted path into the arguments ("command", "options.paths[0]"), or "*" for any string value. */
    path: z.string().min(1),
    /** Case-insensitive regular expression the value (as text) must match. */
    matches: regex,
  })
  .strict();

const findingMatch = z
  .object({
    detector: names.optional(),
    /** The finding's own rule id, e.g. "aws-access-key", "rm-rf". */
    rule: names.optional(),
    minSeverity: severity.optional(),
    /** Where it was found, glob: "arguments.*", "texts*". */
    where: names.optional(),
  })
  .strict();

const annotations = z
  .object({
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
    openWorldHint: z.boolean().optional(),
  })
  .strict();

export const matchSchema = z
  .object({
    kind: z.union([kind, z.array(kind).min(1)]).optional(),
    phase: z.enum(['request', 'response']).optional(),
    client: names.optional(),
    server: names.optional(),
    tool: names.optional(),
    host: names.optional(),
    /** What the tool's name says it does (see docs/policy.md for the word lists). */
    toolLooks: z.enum(['risky', 'read-only', 'unknown']).optional(),
    /** Every listed argument must match. */
    arguments: z.union([argumentMatch, z.array(argumentMatch).min(1)]).optional(),
    annotations: annotations.optional(),
    /** Any listed finding matches. */
    findings: z.union([findingMatch, z.array(findingMatch).min(1)]).optional(),
  })
  .strict();

export const ruleSchema = z
  .object({
    name: z.string().min(1).max(100).optional(),
    match: matchSchema.optional(),
    action,
    /** Shown to the human when asked, kept in the log. */
    reason: z.string().max(500).optional(),
  })
  .strict();

const defaultsShape: Record<string, z.ZodOptional<typeof action>> = { '*': action.optional() };
for (const k of ACTION_KINDS) defaultsShape[k] = action.optional();

export const policySchema = z
  .object({
    version: z.literal(1),
    rules: z.array(ruleSchema).default([]),
    /** Decision when no rule matches: per kind, then "*", then allow. */
    defaults: z.object(defaultsShape).strict().optional(),
  })
  .strict();

export type PolicyFile = z.infer<typeof policySchema>;
export type PolicyRule = z.infer<typeof ruleSchema>;
export type PolicyMatch = z.infer<typeof matchSchema>;

/** A loaded policy: the parsed file plus compiled regexes (built once per load). */
export interface Policy {
  file: PolicyFile;
  rules: CompiledRule[];
  /** Where it was loaded from, for messages. */
  source: string;
}

export interface CompiledRule {
  rule: PolicyRule;
  /** "name" or "rule N" (1-based). */
  label: string;
  /** Line of the rule in the file, when known. */
  line?: number;
  argumentRegexes: { path: string; re: RegExp }[];
}
