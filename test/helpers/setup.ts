import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

// Every test file gets its own data folder and a fake home, so no test can ever read or
// write the developer's real Belay data or real client configs.
const root = mkdtempSync(path.join(os.tmpdir(), 'belay-test-'));
process.env.BELAY_HOME = path.join(root, 'belay-home');
process.env.HOME = path.join(root, 'home');
process.env.USERPROFILE = process.env.HOME;
process.env.APPDATA = path.join(root, 'appdata');
process.env.XDG_CONFIG_HOME = path.join(root, 'home', '.config');
delete process.env.CLAUDE_CONFIG_DIR;

afterAll(() => {
  if (!process.env.BELAY_KEEP_TEST_HOME) rmSync(root, { recursive: true, force: true });
});
