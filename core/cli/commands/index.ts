import type { Command } from 'commander';
import { register as registerClients } from './clients.js';
import { register as registerMcpWrap } from './mcp-wrap.js';
import { register as registerSetup } from './setup.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerCa } from './ca.js';
import { register as registerEnv } from './env.js';
import { register as registerServe } from './serve.js';
import { register as registerStatus } from './status.js';
import { register as registerOpen } from './open.js';
import { register as registerInventory } from './inventory.js';
import { register as registerLog } from './log.js';
import { register as registerSiem } from './siem.js';
import { register as registerPolicy } from './policy.js';
import { register as registerApprovals } from './approvals.js';
import { register as registerPause } from './pause.js';
import { register as registerKeys } from './keys.js';
import { register as registerReview } from './review.js';
import { register as registerAlerts } from './alerts.js';

/**
 * The explicit, ordered list of command groups. Each module registers its own
 * subcommands; add a line here when you add a group.
 */
export function registerCommands(program: Command): void {
  registerServe(program);
  registerEnv(program);
  registerCa(program);
  registerClients(program);
  registerMcpWrap(program);
  registerSetup(program);
  registerDoctor(program);
  registerStatus(program);
  registerOpen(program);
  registerInventory(program);
  registerLog(program);
  registerSiem(program);
  registerPolicy(program);
  registerApprovals(program);
  registerPause(program);
  registerKeys(program);
  registerReview(program);
  registerAlerts(program);
}
