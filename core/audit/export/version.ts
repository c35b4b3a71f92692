import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * Belay's version for export headers (CEF's device version, OCSF's product version).
 * Read from the package.json above this file, found by walking up, because the same
 * code runs from core/ (tests) and dist/core/ (the CLI) at different depths.
 */
export function belayVersion(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'belay' && pkg.version) return (cached = pkg.version);
    } catch {
      // No package.json at this level: keep walking up.
    }
    dir = path.dirname(dir);
  }
  return (cached = '0.0.0');
}
