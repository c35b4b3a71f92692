import type { BelayPaths } from '../paths.js';
import type { ClientEnv } from './locations.js';
import type { SetupFileRecord } from './state.js';
import type { ClientId } from './types.js';

/** Everything `belay setup` needs to know about this machine and this Belay. */
export interface SetupContext {
  env: ClientEnv;
  paths: BelayPaths;
  /** Belay's proxy port (settings.proxy.port unless overridden). */
  port: number;
}

export interface SetupOptions {
  undo?: boolean;
  dryRun?: boolean;
  /** Claude Code: also write the environment into the shell's startup files. */
  writeShellRc?: boolean;
}

/** A file a planner wants in a new state: `after` undefined deletes it. */
export interface PlannedFile {
  file: string;
  before: string | undefined;
  after: string | undefined;
  /** What undo needs (setup only); undefined when the file ends as it began. */
  record?: SetupFileRecord;
  /** New files get this mode (settings and rc files are not secret, but private by default costs nothing). */
  mode?: number;
}

/** A planner reads files through this, so a re-run plans from the state before Belay's earlier changes. */
export type ReadFile = (file: string) => string | undefined;

/** What a client's setup plans: files to change and what to tell the user. */
export interface ClientPlan {
  files: PlannedFile[];
  /** Steps for the user, in order (commands to run, settings to click). */
  instructions: string[];
  /** What this setup covers, plainly. */
  works: string[];
  /** What it cannot do, plainly. */
  limits: string[];
  /** Things found on the way the user should act on (a proxy Belay replaced). */
  notes?: string[];
}

export type Planner = (client: ClientId, ctx: SetupContext, read: ReadFile, opts: SetupOptions) => ClientPlan;

export function proxyUrl(ctx: SetupContext): string {
  return `http://127.0.0.1:${ctx.port}`;
}
