import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shipped default policy (resources/default-policy.yaml). Found by walking up from
 * this module, so it works from the sources (core/policy), the build (dist/core/policy)
 * and a packaged app alike.
 */
export function defaultPolicyPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'resources', 'default-policy.yaml');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('The default policy (resources/default-policy.yaml) is missing from this Belay install. Reinstall Belay.');
}

export function defaultPolicyText(): string {
  return readFileSync(defaultPolicyPath(), 'utf8');
}
