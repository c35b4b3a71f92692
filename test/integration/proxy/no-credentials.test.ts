import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../helpers/fake-provider.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { run } from '../../helpers/run.js';

// Credentials never reach Belay's files. Distinctive fake credentials are planted in every
// place a copilot puts them, real clients send them through the proxy, and then the raw
// bytes of every file in the data folder (database, WAL, shared memory, logs, anything else)
// are searched for each one. Body storage is switched ON (the opt-in setting) so the
// redaction of stored bodies is exercised too, not just the default of storing none.
const PLANTED = {
  authorization: `sk-proj-PlantedAuthorizationHeader${'Q'.repeat(40)}`,
  xApiKey: `sk-ant-api03-PlantedXApiKeyHeader${'w'.repeat(74)}AA`,
  googKey: 'AIzaPlantedGoogHeaderKey12345678901',
  queryKey: 'AIzaPlantedQueryStringKey1234567890',
  cookie: 'PlantedCookieSessionValue9f8e7d6c5b4a',
  setCookie: 'PlantedSetCookieFromServer0a1b2c3d',
  promptOpenAi: `sk-proj-PlantedPromptOpenAiKey${'z'.repeat(44)}`,
  promptAws: 'AKIAPLANTEDKEYZ23456',
  toolGithub: 'ghp_PlantedGithubToken0123456789abcdefgh'.slice(0, 40),
  // On a command line (Belay notes which local process opened a connection).
  curlBearer: `sk-proj-PlantedCurlCommandLine${'R'.repeat(40)}`,
  curlUserPassword: 'PlantedCurlBasicPassw0rd',
};
/** Planted only by the known-bug test below (kept apart so the main scan stays meaningful). */
const OPAQUE_CLI_TOKEN = 'PlantedOpaqueHeaderToken77';
/** A part of each value that no redaction marker could contain: what the scan looks for. */
const needles = Object.entries(PLANTED).map(([name, value]) => ({ name, value, core: value.replace(/^(sk-proj-|sk-ant-api03-|AIza|ghp_|AKIA)/, '').slice(0, 24) }));

let world: ProxyWorld;

beforeAll(async () => {
  world = await startProxyWorld({ realHosts: true, approve: 'allow', settings: { audit: { storeBodies: true } } });
  world.provider.handle((req): Reply | undefined => {
    if (req.url.pathname === '/account') return { headers: { 'content-type': 'application/json', 'set-cookie': `sid=${PLANTED.setCookie}; HttpOnly` }, body: '{"ok":true}' };
    // Slow enough for Belay to find the local process (and its command line) behind the connection.
    if (req.url.pathname === '/curl-with-secrets') return { headers: { 'content-type': 'application/json' }, events: ['{"ok":', 'true}'], delayMs: 1500 };
    return undefined;
  });
});
afterAll(async () => {
  await world?.stop();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function scan(home: string): { file: string; name: string }[] {
  const hits: { file: string; name: string }[] = [];
  for (const file of filesUnder(home)) {
    const bytes = readFileSync(file);
    for (const n of needles) {
      if (bytes.includes(Buffer.from(n.core)) || bytes.includes(Buffer.from(n.core, 'utf16le'))) hits.push({ file: path.basename(file), name: n.name });
    }
  }
  return hits;
}

describe('no credentials in the data folder', () => {
  it('headers, cookies, query keys and secrets in prompts and tool arguments never reach any file', async () => {
    const { belay, provider } = world;
    const json = { 'content-type': 'application/json' };

    // OpenAI-style: Authorization header, secrets in the prompt (with tools offered, so the tool-use gate path too).
    const chat = await belay.fetch('https://api.openai.com/v1/chat/completions', {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${PLANTED.authorization}`, cookie: `session=${PLANTED.cookie}` },
      body: JSON.stringify({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: `My keys are ${PLANTED.promptOpenAi} and ${PLANTED.promptAws}; why does deploy fail?` }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      }),
    });
    const chatStatus = chat.status;
    await chat.text();
    const plain = await belay.fetch('https://api.openai.com/v1/chat/completions', {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${PLANTED.authorization}` },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: `deploy key ${PLANTED.promptOpenAi}` }] }),
    });
    await plain.text();
    // Anthropic: x-api-key.
    const msg = await belay.fetch('https://api.anthropic.com/v1/messages', {
      method: 'POST',
      headers: { ...json, 'x-api-key': PLANTED.xApiKey, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await msg.text();
    // Gemini: x-goog-api-key and ?key=.
    const gem = await belay.fetch(`https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent?key=${PLANTED.queryKey}`, {
      method: 'POST',
      headers: { ...json, 'x-goog-api-key': PLANTED.googKey },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    await gem.text();
    // Plain HTTPS with a cookie, answered with a Set-Cookie.
    const account = await belay.fetch('https://api.openai.com/account', { headers: { cookie: `sid=${PLANTED.cookie}`, authorization: `Bearer ${PLANTED.authorization}` } });
    expect(account.headers.get('set-cookie')).toContain(PLANTED.setCookie);
    await account.text();
    // MCP-style JSON-RPC tool call carrying a token in its arguments.
    const mcp = await belay.fetch('https://api.openai.com/mcp', {
      method: 'POST',
      headers: { ...json, accept: 'application/json, text/event-stream', authorization: `Bearer ${PLANTED.authorization}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'create_issue', arguments: { title: 'ci', body: `use token ${PLANTED.toolGithub}` } } }),
    });
    const mcpAnswer = await mcp.text();

    // curl, whose command line carries credentials (a header, -u user:password, an opaque token).
    const curl = await run('curl', [
      '-sS', '-x', belay.proxy.url, '--cacert', belay.ca.certPath,
      '-H', `Authorization: Bearer ${PLANTED.curlBearer}`, '-u', `dev:${PLANTED.curlUserPassword}`,
      'https://api.openai.com/curl-with-secrets',
    ]);
    expect(curl.code, curl.stderr).toBe(0);
    const [curlEvent] = await belay.waitForEvents((e) => e.path === '/curl-with-secrets');
    expect(curlEvent.client).toBe('curl');
    expect((curlEvent.data.process as { name?: string } | undefined)?.name).toBe('curl');

    // Every flow is logged.
    await belay.waitForEvents((e) => e.transport === 'proxy' && e.host !== undefined, { count: 7 });
    const mcpEvent = (await belay.waitForEvents((e) => e.type === 'mcp.tool_call'))[0];

    // What the default policy did with the secrets, and what the provider got:
    // prompt secrets are redacted (or the request refused); either way they never left.
    const sentUpstream = provider.requests.map((r) => r.body?.toString('utf8') ?? '').join('\n');
    expect(sentUpstream).not.toContain(PLANTED.promptOpenAi);
    expect(sentUpstream).not.toContain(PLANTED.promptAws);
    if (chatStatus === 200) expect(sentUpstream).toContain('[REDACTED by Belay]');
    // A token in MCP tool arguments is refused (policy no-secrets-in-tool-arguments).
    expect(mcpEvent.decision).toBe('deny');
    expect(mcpAnswer).toContain('Belay');
    expect(sentUpstream).not.toContain(PLANTED.toolGithub);
    // The provider's own credentials still reached it (Belay forwards them, it only keeps them out of its files).
    expect(provider.requests.some((r) => r.headers.authorization === `Bearer ${PLANTED.authorization}`)).toBe(true);
    expect(provider.requests.some((r) => r.headers['x-api-key'] === PLANTED.xApiKey)).toBe(true);

    // While running (WAL and -shm present), and after a clean stop: no file holds any planted value.
    expect(scan(belay.home)).toEqual([]);
    await belay.stop();
    expect(scan(belay.home)).toEqual([]);
    // Stopping twice is harmless (afterAll stops again).
    await expect(belay.stop()).resolves.toBeUndefined();
    // The scan can see: the planted values are findable in an ordinary file.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(belay.home, 'canary.txt'), `${PLANTED.cookie}\n`);
    expect(scan(belay.home)).toEqual([{ file: 'canary.txt', name: 'cookie' }]);
  });

  // Belay notes the command line of the local process that opened a connection, capped at
  // 200 characters. The cap must not cut a secret in half: a cut token no longer looks like
  // one, and its first characters would be stored. (Attribution lands when the request
  // outlives the /proc scan, hence the slow answer.)
  it('a token cut by the command-line cap is not stored in part', async () => {
    const other = await startProxyWorld({ realHosts: true });
    try {
      other.provider.handle(() => ({ headers: { 'content-type': 'application/json' }, events: ['{"ok":', 'true}'], delayMs: 1500 }));
      const url = 'https://api.openai.com/slow';
      const fixed = ['curl', '-sS', '-x', other.belay.proxy.url, '--cacert', other.belay.ca.certPath, url, '-H'];
      // Pad so the cap falls in the middle of the token.
      const pad = `X-Pad: ${'p'.repeat(Math.max(1, 190 - fixed.join(' ').length - 'X-Pad: '.length - ' -H X-Token: '.length))}`;
      const args = [...fixed.slice(1), pad, '-H', `X-Token: ${OPAQUE_CLI_TOKEN}`];
      expect(['curl', ...args].join(' ').indexOf(OPAQUE_CLI_TOKEN)).toBeLessThan(200);
      expect(['curl', ...args].join(' ').indexOf(OPAQUE_CLI_TOKEN) + OPAQUE_CLI_TOKEN.length).toBeGreaterThan(200);
      const curl = await run('curl', args);
      expect(curl.stdout).toBe('{"ok":true}');
      const [event] = await other.belay.waitForEvents((e) => e.path === '/slow');
      const command = (event.data.process as { command?: string } | undefined)?.command;
      expect(command, 'the process was not attributed (scan slower than 1.5 s?)').toBeDefined();
      expect(command).not.toContain(OPAQUE_CLI_TOKEN.slice(0, 8));
      const hits = filesUnder(other.belay.home).filter((f) => readFileSync(f).includes(Buffer.from(OPAQUE_CLI_TOKEN.slice(0, 8))));
      expect(hits).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});
