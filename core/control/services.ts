/**
 * What the control API needs from the engine, as small structural interfaces. The
 * engine (core/engine.ts) adapts the real audit log, approval queue, policy store,
 * inventory and pause switch to these, so the API never depends on their internals
 * and tests can hand it real parts piece by piece.
 *
 * Only `events` and `info` are required; a route whose service is absent answers
 * 501 with a message saying which part of Belay is missing.
 */
import type { Writable } from 'node:stream';
import type { AuditEvent } from '../../shared/events.js';
import type { ExportOptions } from '../audit/export/index.js';
import type {
  AlertView,
  ApprovalOutcome,
  AskBody,
  DecisionBody,
  DoctorFixBody,
  DoctorResponse,
  EventsQuery,
  InventoryResponse,
  PendingApproval,
  PolicyDryRunResponse,
  PolicyValidation,
  RememberedDecision,
  ReviewReport,
  SettingsResponse,
  UsageResponse,
} from '../../shared/api.js';

export interface EngineInfo {
  version: string;
  /** ISO time. */
  startedAt: string;
  proxy?: { host: string; port: number };
  dataDir: string;
  /** Set when something is broken; the tray shows the error state and this text. */
  error?: string;
}

/** The audit log, read side. `readSince` tails the database by seq, so events written by other processes (mcp-wrap) are seen too. */
export interface EventsService {
  query(q: EventsQuery): AuditEvent[];
  get(id: string): AuditEvent | undefined;
  readSince(seq: number, limit: number): AuditEvent[];
  stats(): { total: number; lastSeq: number };
}

export type ApprovalChange = { type: 'added' | 'decided' | 'expired'; approval: PendingApproval };

export interface ApprovalsService {
  list(): PendingApproval[];
  history(limit: number): PendingApproval[];
  /** False when the id is unknown or already decided. */
  decide(id: string, body: DecisionBody): boolean;
  /** Holds until a human (or the timeout) decides; `signal` aborts when the asking process goes away. */
  ask(req: AskBody, signal?: AbortSignal): Promise<ApprovalOutcome>;
  subscribe(fn: (change: ApprovalChange) => void): () => void;
  remembered?(): RememberedDecision[];
  /** False when the id is unknown. */
  forget?(id: string): boolean;
  /** Approvals that expired unanswered and have not been looked at (the tray's "missed" mark). */
  missed?(): number;
  /**
   * Keeps a pending approval open while the human is reading it (the prompt's countdown
   * pauses while they interact): pushes its expiry to at least `ms` from now, up to the
   * queue's own cap. Answers the updated approval, or undefined when it is not pending.
   */
  extend?(id: string, ms: number): PendingApproval | undefined;
  /** Marks missed approvals as seen. */
  clearMissed?(): void;
}

export interface PauseService {
  state(): { paused: boolean; pausedUntil?: string };
  pause(minutes?: number): void;
  resume(): void;
}

export interface PolicyService {
  sourceText(): string;
  path?: string;
  validate(text: string): PolicyValidation;
  /** Validates then saves; answers the validation (nothing is written when ok is false). */
  save(text: string): PolicyValidation;
  dryRun?(text: string, limit: number): PolicyDryRunResponse;
  subscribe?(fn: () => void): () => void;
}

export interface InventoryService {
  snapshot(): InventoryResponse;
  /** Accepts the changed tool's current description/schema as its new pin. False when unknown. */
  reapprove?(serverId: string, tool: string): boolean;
}

export interface UsageService {
  usage(days: number): UsageResponse;
}

export interface DoctorService {
  run(): Promise<DoctorResponse>;
  fix?(body: DoctorFixBody): Promise<{ ok: boolean; message: string }>;
}

export interface SettingsService {
  get(): SettingsResponse;
  /** Validates and saves a partial update; throws an Error with a clear message when invalid. */
  update(patch: Record<string, unknown>): SettingsResponse;
}

/** Audit exports in every format `belay log export` writes (core/audit/export), streamed. */
export interface ExportService {
  run(opts: ExportOptions, out: Writable): Promise<unknown>;
}

export interface ControlServices {
  info(): EngineInfo;
  events: EventsService;
  approvals?: ApprovalsService;
  pause?: PauseService;
  policy?: PolicyService;
  inventory?: InventoryService;
  usage?: UsageService;
  doctor?: DoctorService;
  settings?: SettingsService;
  /** Issue 9: anomaly / broker alerts and the weekly review. */
  alerts?: AlertsService;
  review?: ReviewService;
  exports?: ExportService;
}

/** Alerts (core/anomaly): list, count open, acknowledge. */
export interface AlertsService {
  list(opts: { includeAcked?: boolean; limit?: number }): AlertView[];
  openCount(): number;
  /** False when the id is unknown or already acknowledged. */
  ack(id: string, by: string): boolean;
  ackAll(by: string): number;
}

/** The review of a period (core/review); times in ms. */
export interface ReviewService {
  review(period: { since?: number; until?: number }): ReviewReport;
}
