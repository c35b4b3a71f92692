import { createHash } from 'node:crypto';
import { canonicalJson } from '../protocols/mcp/canonical.js';

/**
 * Tool arguments in one comparable form: OpenAI sends them as a JSON string, Anthropic and
 * MCP as objects, and key order differs between the model's request and the client's call.
 */
export function normaliseArguments(args: unknown): string {
  let value = args;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') value = {};
    else {
      try {
        value = JSON.parse(trimmed) as unknown;
      } catch {
        // Not JSON: a model may pass a bare string; compare it as that string.
        value = trimmed;
      }
    }
  }
  if (value === undefined || value === null) value = {};
  return canonicalJson(value);
}

/**
 * A short digest of normalised arguments: producers can store it in an event's data
 * (`argsKey`) so links can be found later without keeping the arguments themselves.
 */
export function argumentsKey(args: unknown): string {
  return createHash('sha256').update(normaliseArguments(args)).digest('hex').slice(0, 32);
}
