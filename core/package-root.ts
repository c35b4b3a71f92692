import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Belay package folder (where package.json, resources/ and dist/ live), found by
 * walking up from this module: the same answer from the TypeScript sources (tests) and
 * from the compiled dist/ tree.
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'resources'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find the Belay package folder (package.json next to resources/).');
    dir = parent;
  }
}
