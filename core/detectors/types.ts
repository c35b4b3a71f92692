import type { ActionKind, Finding, GuardAction } from '../pipeline/action.js';

/** What a detector may know besides the action itself. */
export interface DetectorContext {
  /** ms since epoch; stateful detectors (loops, rates) use it instead of reading the clock. */
  now: number;
  /** The user's home folder, for ~ in paths. */
  homeDir: string;
  /** Belay's data folder: the copilot has no business reading the CA key or the API token. */
  belayHome?: string;
}

/**
 * One risk check. It looks at one thing and reports findings; it never decides. It must be
 * quick (the guard runs every detector on every flow) and bounded on untrusted input.
 */
export interface Detector {
  /** Unique; policy rules refer to it (findings: { detector: NAME }). */
  name: string;
  appliesTo: ActionKind[];
  detect(action: GuardAction, ctx: DetectorContext): Finding[];
}
