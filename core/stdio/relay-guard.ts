import type { BelayPaths } from '../paths.js';
import { allowAllGuard, type Guard } from '../pipeline/verdict.js';
import type { RemoteApprovals } from './remote-approvals.js';

export interface RelayGuardDeps {
  paths: BelayPaths;
  approvals: RemoteApprovals;
  log: (message: string) => void;
}

/**
 * The guard `belay mcp-wrap` runs: the same policy, detectors, remembered decisions and
 * pause switch as the proxy's, read from the shared data folder, with approvals sent to
 * the running Belay. Loaded lazily (after the server has been started) to keep startup fast.
 *
 * TODO(lead/D): core/pipeline/guard.ts is not there yet; until it is, the relay allows
 * everything (and still logs every call). Wire `createGuard` here when it lands.
 */
export async function loadRelayGuard(deps: RelayGuardDeps): Promise<Guard> {
  const specifier = '../pipeline/guard.js';
  try {
    const mod = (await import(specifier)) as { createStdioGuard?: (d: RelayGuardDeps) => Guard | Promise<Guard> };
    if (mod.createStdioGuard) return await mod.createStdioGuard(deps);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  if (process.env.BELAY_DEBUG) deps.log('no guard module yet: allowing every call (still logged)');
  return allowAllGuard;
}
