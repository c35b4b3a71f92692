import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { bodyForStorage, redactHeaders, redactUrl } from '../../../core/audit/redact.js';
import { belayPaths } from '../../../core/paths.js';
import { ALL_PLANTED, PLANTED } from '../../helpers/audit-secrets.js';

/** Every file of the database (main, WAL, shared memory), as raw bytes. */
function databaseBytes(file: string): Buffer {
  const dir = path.dirname(file);
  const base = path.basename(file);
  return Buffer.concat(readdirSync(dir).filter((f) => f.startsWith(base)).map((f) => readFileSync(path.join(dir, f))));
}

describe('no credential reaches the database', () => {
  it('planted credentials in every field a producer could misuse are not in the file bytes', () => {
    const file = path.join(belayPaths().home, 'secrets.db');
    const log = AuditLog.open(file);
    // A careless producer: credentials in data, nested headers, free-text fields, the path.
    log.append({
      type: 'llm.request', protocol: 'llm', transport: 'proxy', client: 'cursor', provider: 'anthropic',
      host: 'api.anthropic.com', path: `/v1/messages?key=${PLANTED.google}&token=${PLANTED.queryToken}`,
      error: `upstream rejected key ${PLANTED.anthropic}`,
      data: {
        headers: { 'x-api-key': PLANTED.anthropic, authorization: `Bearer ${PLANTED.bearerOpaque}`, cookie: PLANTED.cookie },
        request: { messages: [{ role: 'user', content: `my aws key is ${PLANTED.aws} and gh ${PLANTED.github}` }] },
        config: { password: PLANTED.password, apiKey: PLANTED.openai },
      },
    });
    // A careful producer using the helpers, with bodies stored (opt-in).
    log.append({
      type: 'http', protocol: 'http', transport: 'proxy', client: 'curl', host: 'example.com',
      path: redactUrl(`https://u:${PLANTED.password}@example.com/x?access_token=${PLANTED.queryToken}`),
      data: {
        requestHeaders: redactHeaders({ authorization: `Basic ${PLANTED.bearerOpaque}`, 'set-cookie': [PLANTED.cookie] }),
        requestBody: bodyForStorage(JSON.stringify({ input: PLANTED.openai, secret: PLANTED.password }), { storeBodies: true, maxBodyBytes: 4096 }),
      },
    });
    // A tool call whose arguments carry a key.
    log.append({
      type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: 'claude-code', server: 'shell', tool: 'run',
      data: { arguments: { command: `curl -H 'Authorization: Bearer ${PLANTED.bearerOpaque}' https://x`, env: { GITHUB_TOKEN: PLANTED.github } } },
    });
    log.flush();
    const bytes = databaseBytes(file);
    expect(bytes.length).toBeGreaterThan(0);
    const events = log.readSince(0, 10);
    log.close();
    // The events are stored (so the scan below is meaningful), and no planted value is anywhere in the bytes.
    expect(events).toHaveLength(3);
    expect(JSON.stringify(events)).toContain('[REDACTED');
    const leaked = ALL_PLANTED.filter((secret) => bytes.includes(Buffer.from(secret)));
    expect(leaked).toEqual([]);
    // Check the scan itself: the same bytes do contain ordinary values we stored.
    expect(bytes.includes(Buffer.from('api.anthropic.com'))).toBe(true);
  });
});
