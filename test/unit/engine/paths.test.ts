import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { belayPaths, dataDir } from '../../../core/paths.js';

const saved = process.env.BELAY_HOME;
afterEach(() => {
  process.env.BELAY_HOME = saved;
});

describe('the data folder', () => {
  it('is BELAY_HOME when set, and names every file inside it', () => {
    process.env.BELAY_HOME = '/tmp/belay-x';
    const p = belayPaths();
    expect(p.home).toBe('/tmp/belay-x');
    for (const file of [p.caCert, p.caKey, p.database, p.policy, p.settings, p.control]) expect(path.dirname(file)).toBe('/tmp/belay-x');
  });
  it('an empty BELAY_HOME counts as unset, never the current folder', () => {
    process.env.BELAY_HOME = '';
    expect(dataDir()).not.toBe(process.cwd());
    expect(dataDir()).toMatch(/belay/);
  });
  it('an explicit folder wins', () => {
    expect(dataDir('/srv/b')).toBe('/srv/b');
  });
});
