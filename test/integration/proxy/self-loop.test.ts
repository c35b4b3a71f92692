import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBelay, type TestBelay } from '../../helpers/engine.js';

const run = promisify(execFile);

describe('a request addressed to Belay itself', () => {
  let belay: TestBelay;
  beforeAll(async () => {
    belay = await startTestBelay();
  });
  afterAll(async () => {
    await belay?.stop();
  });

  it('is answered 508 at once instead of being forwarded to itself forever', async () => {
    const url = `http://127.0.0.1:${belay.proxy.port}/`;
    const proxied = await run('curl', ['-s', '-m', '10', '-x', belay.proxy.url, url, '-w', '\n%{http_code}']);
    expect(proxied.stdout.trim().split('\n').at(-1)).toBe('508');
    // Not used as a proxy at all (a client pointed at the proxy port by mistake): same answer.
    const direct = await run('curl', ['-s', '-m', '10', url, '-w', '\n%{http_code}']);
    expect(direct.stdout).toMatch(/will not forward a request to itself/);
    // And it keeps serving.
    expect(belay.proxy.activeFlows()).toBe(0);
  });

  it('also when it looks like an LLM call, every time (the loop check wins over the guarded route)', async () => {
    const url = `http://127.0.0.1:${belay.proxy.port}/v1/chat/completions`;
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    // mockttp let the last matching rule win once a rule had been used: the second call
    // went to the guarded route and was forwarded to Belay itself.
    for (let i = 0; i < 3; i++) {
      const res = await run('curl', ['-s', '-m', '10', '-x', belay.proxy.url, '-H', 'content-type: application/json', '-d', body, url, '-w', '\n%{http_code}']);
      expect(res.stdout.trim().split('\n').at(-1)).toBe('508');
    }
  });
});
