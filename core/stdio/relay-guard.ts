import os from 'node:os';
import type { AuditLog } from '../audit/audit-log.js';
import { RememberedStore } from '../approvals/remembered.js';
import { defaultDetectors } from '../detectors/index.js';
import type { BelayPaths } from '../paths.js';
import { createGuard } from '../pipeline/guard.js';
import { PauseSwitch } from '../pipeline/pause.js';
import type { Guard } from '../pipeline/verdict.js';
import { PolicyStore } from '../policy/store.js';
import type { RemoteApprovals } from './remote-approvals.js';

export interface RelayGuardDeps {
  paths: BelayPaths;
  approvals: RemoteApprovals;
  /** The relay's audit log: remembered decisions live in the same database. */
  audit?: AuditLog;
  /** settings.stdio.askWhenOffline === 'allow' (unsafe): let `ask` calls through when Belay is not running. */
  allowAskWhenOffline: boolean;
  log: (message: string) => void;
}

/**
 * The guard `belay mcp-wrap` runs: the same policy file, detectors, remembered decisions
 * and pause switch as the proxy's (all in the shared data folder), with approvals sent
 * to the running Belay. Loaded after the server has been spawned, to keep startup fast.
 */
export function createStdioGuard(deps: RelayGuardDeps): Guard {
  const policy = PolicyStore.open(deps.paths.policy, { watch: true, log: deps.log });
  return createGuard({
    policy,
    detectors: defaultDetectors(),
    approvals: deps.approvals,
    remembered: deps.audit ? new RememberedStore(deps.audit.db) : undefined,
    pause: new PauseSwitch(deps.paths.pause),
    context: { homeDir: process.env.HOME ?? os.homedir(), belayHome: deps.paths.home },
    allowAskWhenUnavailable: deps.allowAskWhenOffline,
    log: deps.log,
  });
}
