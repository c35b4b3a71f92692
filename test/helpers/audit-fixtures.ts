import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NewAuditEvent } from '../../shared/events.js';

/** A realistic mix of events: LLM calls, MCP tool calls, plain HTTP. */
export function sampleEvent(i: number, over: Partial<NewAuditEvent> = {}): NewAuditEvent {
  const kind = i % 3;
  const base: NewAuditEvent =
    kind === 0
      ? {
          type: 'llm.request', protocol: 'llm', transport: 'proxy', client: 'cursor', provider: 'openai',
          model: 'gpt-4o', method: 'POST', host: 'api.openai.com', path: '/v1/chat/completions', status: 200,
          latencyMs: 120 + i, bytesIn: 900, bytesOut: 4000, session: `s-${i % 7}`,
          data: { usage: { inputTokens: 100 + i, outputTokens: 50 }, stream: true },
        }
      : kind === 1
        ? {
            type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: 'claude-desktop', server: 'filesystem',
            tool: 'read_file', method: 'tools/call', decision: 'ask', decidedBy: 'human', risk: 'medium',
            latencyMs: 3, data: { arguments: { path: `/tmp/f${i}.txt` } },
          }
        : {
            type: 'http', protocol: 'http', transport: 'proxy', client: 'curl', method: 'GET', host: 'example.com',
            path: `/page/${i}`, status: 404, error: i % 2 ? 'upstream said 404' : undefined, data: {},
          };
  return { ...base, ...over };
}

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Compiles core/audit to plain JS in a folder inside node_modules/.cache (so the child
 * resolves better-sqlite3 from the repo), for tests that need a second real process.
 * Returns the folder; import `${dir}/core/audit/audit-log.js` from it.
 */
export function compileAuditForChild(): string {
  const out = path.join(root, 'node_modules', '.cache', `belay-audit-test-${process.pid}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--outDir', out, '--rootDir', root, '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
      '--target', 'ES2022', '--skipLibCheck', '--types', 'node', '--declaration', 'false',
      path.join(root, 'core', 'audit', 'audit-log.ts'),
    ],
    { cwd: root, stdio: 'pipe' },
  );
  return out;
}
