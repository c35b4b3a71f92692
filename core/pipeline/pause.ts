import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { belayPaths } from '../paths.js';

export interface PauseState {
  since: number;
  /** ms since epoch; absent: until `belay resume`. */
  until?: number;
  by?: string;
  reason?: string;
}

/**
 * The kill switch. `belay pause` writes paused.json into the data folder; while it exists
 * the guard and every `belay mcp-wrap` relay refuse all LLM and MCP traffic. A file, not
 * process memory, so it works across processes and even when Belay is not running (a
 * relay started later still sees it), and survives a restart: pausing is deliberate.
 */
export class PauseSwitch {
  /** When the file was last seen absent (ms), so most flows skip the stat. */
  private absentAt = Number.NEGATIVE_INFINITY;

  /**
   * `recheckMs`: how long "not paused" is trusted before the file is looked at again. A
   * pause written by another process (`belay pause`) takes effect within this time; one
   * made through this object at once. Paused, the file is read on every call.
   */
  constructor(
    readonly file: string = belayPaths().pause,
    private readonly recheckMs = 100,
  ) {}

  /** Cheap when not paused (a stat at most every `recheckMs`): the guard calls it on every flow. */
  isPaused(now = Date.now()): boolean {
    const clock = performance.now();
    if (clock - this.absentAt < this.recheckMs) return false;
    if (!existsSync(this.file)) {
      this.absentAt = clock;
      return false;
    }
    return this.state(now) !== undefined;
  }

  /** The pause in force, or undefined (not paused, or a timed pause that ran out). */
  state(now = Date.now()): PauseState | undefined {
    if (!existsSync(this.file)) return undefined;
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<PauseState>;
      const until = typeof data.until === 'number' ? data.until : undefined;
      if (until !== undefined && until <= now) return undefined;
      return { since: typeof data.since === 'number' ? data.since : 0, until, by: data.by, reason: data.reason };
    } catch {
      // Present but unreadable (half-written by hand): still paused, that is what the file means.
      return { since: 0 };
    }
  }

  /** Pauses until resume(), or for `minutes` when given. */
  pause(info: { by?: string; reason?: string; minutes?: number } = {}): PauseState {
    const since = Date.now();
    const { minutes, ...rest } = info;
    const state: PauseState = { since, ...(minutes !== undefined ? { until: since + minutes * 60_000 } : {}), ...rest };
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
    this.absentAt = Number.NEGATIVE_INFINITY;
    return state;
  }

  /** True when Belay was paused. */
  resume(): boolean {
    const was = existsSync(this.file);
    rmSync(this.file, { force: true });
    return was;
  }
}

/** Kinds the kill switch stops: every LLM and MCP (and agent-to-agent) message. Plain HTTP keeps flowing. */
export function stoppedByPause(kind: string): boolean {
  return kind.startsWith('llm.') || kind.startsWith('mcp.') || kind.startsWith('a2a.');
}
