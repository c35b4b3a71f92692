import type { Finding, GuardAction } from '../pipeline/action.js';
import type { Detector, DetectorContext } from './types.js';

export type DetectorErrorLog = (detector: string, err: unknown) => void;

const defaultLog: DetectorErrorLog = (name, err) => {
  process.stderr.write(`belay: detector "${name}" failed: ${err instanceof Error ? err.message : String(err)}\n`);
};

/** The ordered set of detectors the guard runs; names are unique so policy can name them. */
export class DetectorRegistry {
  private readonly list: Detector[] = [];

  constructor(detectors: Detector[] = [], private readonly log: DetectorErrorLog = defaultLog) {
    for (const d of detectors) this.register(d);
  }

  register(detector: Detector): void {
    if (!detector.name) throw new Error('A detector needs a name.');
    if (this.list.some((d) => d.name === detector.name)) {
      throw new Error(`A detector named "${detector.name}" is already registered; detector names must be unique.`);
    }
    this.list.push(detector);
  }

  names(): string[] {
    return this.list.map((d) => d.name);
  }

  get(name: string): Detector | undefined {
    return this.list.find((d) => d.name === name);
  }

  /**
   * Runs every detector that applies to the action. One that throws is logged and counts
   * as the worst finding ("detector X failed", critical), so a crash can never let a
   * flow through that the detector would have stopped.
   */
  run(action: GuardAction, ctx: DetectorContext): Finding[] {
    const findings: Finding[] = [];
    for (const d of this.list) {
      if (!d.appliesTo.includes(action.kind)) continue;
      try {
        const out = d.detect(action, ctx);
        for (const f of out) findings.push(f);
      } catch (err) {
        this.log(d.name, err);
        findings.push({
          detector: d.name,
          severity: 'critical',
          ruleId: 'detector-failed',
          message: `The ${d.name} detector failed, so Belay treats this as the worst case.`,
        });
      }
    }
    return findings;
  }
}
