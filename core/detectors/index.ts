import { budgetDetector, BudgetTracker, type BudgetOptions } from './budget.js';
import { destructiveCommandsDetector } from './destructive-commands.js';
import { exfiltrationDetector, type ExfiltrationOptions } from './exfiltration.js';
import { loopDetector, type LoopOptions } from './loops.js';
import { newServerDetector } from './new-server.js';
import { promptInjectionDetector } from './prompt-injection.js';
import { rateDetector, type RateOptions } from './rate.js';
import { DetectorRegistry, type DetectorErrorLog } from './registry.js';
import { secretsDetector } from './secrets.js';
import { sensitivePathsDetector } from './sensitive-paths.js';
import { toolChangedDetector } from './tool-changed.js';

export { DetectorRegistry } from './registry.js';
export { BudgetTracker } from './budget.js';
export type { Detector, DetectorContext } from './types.js';

export interface DetectorOptions {
  exfiltration?: ExfiltrationOptions;
  loop?: LoopOptions;
  rate?: RateOptions;
  budget?: BudgetOptions;
  /** Shared with whoever records usage (the engine, from completed LLM answers). */
  budgetTracker?: BudgetTracker;
  log?: DetectorErrorLog;
}

/** Every built-in detector, in the order they run. */
export function defaultDetectors(opts: DetectorOptions = {}): DetectorRegistry {
  return new DetectorRegistry(
    [
      secretsDetector(),
      destructiveCommandsDetector(),
      sensitivePathsDetector(),
      exfiltrationDetector(opts.exfiltration),
      promptInjectionDetector(),
      toolChangedDetector(),
      newServerDetector(),
      loopDetector(opts.loop),
      rateDetector(opts.rate),
      budgetDetector(opts.budget, opts.budgetTracker),
    ],
    opts.log,
  );
}
