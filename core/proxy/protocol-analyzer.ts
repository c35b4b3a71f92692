import type { NewAuditEvent } from '../../shared/events.js';
import { redactUrl } from '../audit/redact.js';
import type { McpDoor } from '../pipeline/mcp-door.js';
import { classify } from '../protocols/classify.js';
import type { LlmUsage } from '../protocols/llm/types.js';
import type { McpHttpSessions } from '../protocols/mcp/index.js';
import type { TimelineLinker } from '../timeline/index.js';
import { analyzeA2a } from './analysis/a2a.js';
import { analyzeLlm } from './analysis/llm.js';
import { analyzeMcp } from './analysis/mcp.js';
import type { Analyzer } from './analyzer.js';

export { replaceSecrets } from './analysis/llm.js';

export interface ProtocolAnalyzerDeps {
  mcpSessions: McpHttpSessions;
  mcpDoor: McpDoor;
  linker: TimelineLinker;
  /**
   * Writes an audit event now. Used for messages on long-lived MCP streams, which would
   * otherwise wait until the stream closes; without it they are written with the flow.
   */
  record?(e: NewAuditEvent): void;
  /** Completed LLM answers, for budgets. */
  onLlmUsage?(client: string, usage: LlmUsage, costUsd: number | undefined): void;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Protocol analysis for the proxy: what each request is (classify), what the guard must
 * judge before it leaves, how to refuse it in the protocol's own form, and an observer
 * that reads the response as it passes.
 */
export function createProtocolAnalyzer(deps: ProtocolAnalyzerDeps): Analyzer {
  return {
    // JSON bodies are read before forwarding (LLM prompts, MCP and A2A JSON-RPC); other
    // bodies (uploads, forms, binaries) stream straight through, never held.
    needsBody(head) {
      if (!BODY_METHODS.has(head.method)) return false;
      const type = String(head.headers['content-type'] ?? '').toLowerCase();
      return type.includes('json') || (type === '' && classify(head).protocol !== 'http');
    },

    // A provider's known API path, not just its host (an MCP endpoint on an LLM vendor's
    // host is not an LLM call).
    isLlmCall(head) {
      const cls = classify(head);
      return cls.protocol === 'llm' && cls.api !== undefined;
    },

    analyze(head, body, bodyTruncated) {
      let parsed: unknown;
      if (body && body.length) {
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          parsed = undefined;
        }
      }
      const cls = classify(head, body, parsed);
      const path = redactUrl(head.path);
      switch (cls.protocol) {
        case 'llm':
          return analyzeLlm(deps, cls, head, path, parsed, Boolean(bodyTruncated) || (body !== undefined && body.length > 0 && parsed === undefined));
        case 'mcp':
          return analyzeMcp(deps, head, path, body);
        case 'a2a':
          return analyzeA2a(cls, head, parsed);
        default:
          return { base: { type: 'http', protocol: 'http' }, actions: [] };
      }
    },
  };
}
