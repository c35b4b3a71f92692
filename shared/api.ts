/**
 * The control API contract: every route, request and response the faces (CLI, tray,
 * dashboard, `belay mcp-wrap`) use to talk to a running Belay. Pure types plus a few
 * constants, so core (server), electron, renderer and the CLI client share one truth.
 *
 * Transport rules (enforced by core/control/server.ts):
 * - HTTP on 127.0.0.1 only; `Authorization: Bearer <token>` on every /api call.
 * - The token is also accepted as `?token=` on GET /api/events/stream (EventSource cannot
 *   set headers) and on the first page load (the page moves it to sessionStorage and
 *   strips it from the address bar).
 * - Writes must send `Content-Type: application/json`; errors are `ApiError` JSON.
 */
import type { AuditEvent, DecidedBy, Decision, EventType, Risk } from './events.js';

export const API_PREFIX = '/api';

/** Route table (method + path). `:id` segments are URL-encoded ids. */
export const ROUTES = {
  status: 'GET /api/status',
  events: 'GET /api/events',
  event: 'GET /api/events/:id',
  stream: 'GET /api/events/stream',
  approvals: 'GET /api/approvals',
  approvalHistory: 'GET /api/approvals/history',
  decide: 'POST /api/approvals/:id/decision',
  ask: 'POST /api/approvals/ask',
  /** Pauses a prompt's countdown while the human reads it: { ms } keeps it open at least that long. */
  extend: 'POST /api/approvals/:id/extend',
  /** The human looked at the missed approvals: clears the tray's "missed" mark. */
  seen: 'POST /api/approvals/seen',
  remembered: 'GET /api/approvals/remembered',
  forget: 'DELETE /api/approvals/remembered/:id',
  pause: 'POST /api/pause',
  resume: 'POST /api/resume',
  policyGet: 'GET /api/policy',
  policyPut: 'PUT /api/policy',
  policyValidate: 'POST /api/policy/validate',
  policyDryRun: 'POST /api/policy/dry-run',
  inventory: 'GET /api/inventory',
  reapprove: 'POST /api/inventory/reapprove',
  usage: 'GET /api/usage',
  doctor: 'GET /api/doctor',
  doctorFix: 'POST /api/doctor/fix',
  settingsGet: 'GET /api/settings',
  settingsPut: 'PUT /api/settings',
  export: 'GET /api/export',
  // Issue 9 (least privilege): anomaly/broker alerts and the weekly review.
  alerts: 'GET /api/alerts',
  alertAck: 'POST /api/alerts/:id/ack',
  alertsAckAll: 'POST /api/alerts/ack-all',
  review: 'GET /api/review',
} as const;

export interface ApiError {
  error: string;
}

// ---------------------------------------------------------------- status

/** What the tray icon shows: attention wins over guarding when approvals wait. */
export type GuardState = 'guarding' | 'paused' | 'attention' | 'error';

export interface StatusResponse {
  running: true;
  version: string;
  pid: number;
  /** ISO time the engine started. */
  startedAt: string;
  state: GuardState;
  paused: boolean;
  /** ISO time a timed pause ends, when paused for a while. */
  pausedUntil?: string;
  proxy?: { host: string; port: number };
  /** Control API URL without the token. */
  controlUrl: string;
  dataDir: string;
  pendingApprovals: number;
  /** Approvals that timed out with nobody answering since the last look (the tray's "missed" mark). */
  missedApprovals: number;
  /** Unacknowledged alerts (issue 9): the tray and the dashboard badge. Absent when alerts are not wired. */
  openAlerts?: number;
  events: { total: number; lastSeq: number };
  /** Set when something is broken (e.g. the database cannot be written); the tray shows the error state. */
  error?: string;
}

/** `belay status` when Belay is not running: read from the data folder. */
export interface OfflineStatus {
  running: false;
  dataDir: string;
  database?: { path: string; events: number; lastSeq: number; lastEventAt?: string };
}

// ---------------------------------------------------------------- events

export interface EventsQuery {
  /** Newest first; at most 1000 (default 200). */
  limit?: number;
  /** Only events with seq below this (paging back). */
  beforeSeq?: number;
  /** Only events with seq above this. */
  afterSeq?: number;
  client?: string;
  type?: EventType;
  decision?: Decision;
  /** Matches provider or server. */
  provider?: string;
  server?: string;
  risk?: Risk;
  session?: string;
  /** Free text: tool, model, host, path, server, client, error. */
  text?: string;
  /** ISO time or ms: events at or after. */
  since?: string;
  until?: string;
}

export interface EventsResponse {
  events: AuditEvent[];
  /** Pass as beforeSeq for the next (older) page; absent at the end. */
  nextBeforeSeq?: number;
}

// ---------------------------------------------------------------- approvals

export type RememberFor = 'once' | 'session' | 'hour' | 'always';
export type RememberScope = 'tool' | 'server' | 'args';

/** A finding as shown to a human (the guard's Finding without secret values). */
export interface FindingView {
  detector: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  message: string;
  where?: string;
  evidence?: string;
  ruleId?: string;
}

/** The action being judged, as much as a human needs to see. Untrusted text: render neutralised. */
export interface ApprovalSubject {
  kind: string;
  client: string;
  transport: 'proxy' | 'stdio';
  server?: string;
  tool?: string;
  arguments?: unknown;
  host?: string;
  path?: string;
  method?: string;
  provider?: string;
  model?: string;
  session?: string;
  uri?: string;
  /** The tool's current pin and the approved one: a remembered answer is bound to the pin. */
  toolPin?: string;
  approvedPin?: string;
  /** How the tool changed since it was approved, when it did. */
  toolChange?: string;
}

export interface PendingApproval {
  id: string;
  /** ISO times. */
  createdAt: string;
  expiresAt?: string;
  subject: ApprovalSubject;
  findings: FindingView[];
  risk: Risk;
  /** Rule that asked. */
  rule?: string;
  /** One line in plain words: who wants to do what. */
  summary: string;
  /** Why it is risky, in plain words. */
  reason?: string;
  /** The part of the call that makes it risky (the argument a finding points at, else the arguments), secrets masked. */
  highlight?: { where: string; text: string };
  /** Other facts in plain words (host, model, resource, the tool change, the policy's reason). */
  details?: string[];
  status: 'pending' | 'allowed' | 'denied' | 'expired';
  decidedBy?: DecidedBy;
  /** Where the human answered: dashboard, tray, notification, cli. */
  answeredBy?: string;
  decidedAt?: string;
  remember?: RememberFor;
  scope?: RememberScope;
}

export interface DecisionBody {
  decision: 'allow' | 'deny';
  remember?: RememberFor;
  scope?: RememberScope;
  /** Who answered: dashboard, tray, notification, cli. */
  by?: string;
}

export interface ExtendBody {
  ms: number;
}

export interface DecisionResponse {
  ok: boolean;
}

/** POST /api/approvals/ask: a remote guard (e.g. `belay mcp-wrap`) asks the human through the running Belay. */
export interface AskBody {
  subject: ApprovalSubject;
  findings: FindingView[];
  risk: Risk;
  rule?: string;
  summary?: string;
  reason?: string;
  /** How long to hold before refusing (ms); the server caps it. */
  timeoutMs?: number;
}

export interface ApprovalOutcome {
  allowed: boolean;
  decidedBy: DecidedBy;
  approvalId: string;
  heldMs: number;
}

export interface RememberedDecision {
  id: string;
  decision: 'allow' | 'deny';
  scope: RememberScope;
  client?: string;
  server?: string;
  tool?: string;
  /** Hash or pattern of the arguments, for scope=args. */
  argsKey?: string;
  createdAt: string;
  /** Absent for "always". */
  expiresAt?: string;
}

// ---------------------------------------------------------------- pause

export interface PauseBody {
  /** Pause for this many minutes; absent = until resumed. */
  minutes?: number;
}

export interface PauseResponse {
  paused: boolean;
  pausedUntil?: string;
}

// ---------------------------------------------------------------- policy

export interface PolicyIssue {
  line?: number;
  column?: number;
  message: string;
}

export interface PolicyResponse {
  text: string;
  path?: string;
}

export interface PolicyValidation {
  ok: boolean;
  errors: PolicyIssue[];
}

export interface PolicyDryRunBody {
  text: string;
  /** How many recent events to replay (default 500). */
  limit?: number;
}

export interface PolicyDryRunResponse {
  ok: boolean;
  errors: PolicyIssue[];
  total: number;
  /** Events whose decision would change. */
  changed: { eventId: string; summary: string; before: Decision; after: Decision; rule?: string }[];
  counts: Partial<Record<Decision, number>>;
}

// ---------------------------------------------------------------- inventory

export interface InventoryTool {
  name: string;
  description?: string;
  pin?: string;
  /** pinned: approved and unchanged; changed: description/schema differs from the pin; new: never approved. */
  status: 'pinned' | 'changed' | 'new';
  firstSeen?: string;
  lastSeen?: string;
  /** For changed tools: what was approved and what is offered now. */
  previous?: { description?: string; inputSchema?: unknown };
  current?: { description?: string; inputSchema?: unknown };
}

export interface InventoryServer {
  id: string;
  name: string;
  transport: 'stdio' | 'http';
  /** Command line or URL. */
  target?: string;
  lastSeen?: string;
  tools: InventoryTool[];
}

export interface InventoryClient {
  client: string;
  servers: InventoryServer[];
}

export interface InventoryResponse {
  clients: InventoryClient[];
}

export interface ReapproveBody {
  serverId: string;
  tool: string;
}

// ---------------------------------------------------------------- usage

export interface UsageQuery {
  /** Days back from today (default 30, at most 366). */
  days?: number;
}

export interface UsageRow {
  /** YYYY-MM-DD (UTC). */
  day: string;
  client: string;
  model: string;
  provider?: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Requests whose cost is unknown (model not in the price table). */
  unpriced: number;
}

export interface UsageResponse {
  days: number;
  rows: UsageRow[];
}

// ---------------------------------------------------------------- connect (doctor)

export interface DoctorCheck {
  id: string;
  ok: boolean;
  /** warn: works but not ideal. */
  level?: 'ok' | 'warn' | 'error';
  message: string;
  /** Shell command the user can run to fix it. */
  fix?: string;
  /** When the core can fix it itself: POST /api/doctor/fix { client, checkId }. */
  fixable?: boolean;
}

export interface DoctorClient {
  client: string;
  name: string;
  installed: boolean;
  protected: boolean;
  checks: DoctorCheck[];
}

export interface DoctorResponse {
  clients: DoctorClient[];
}

export interface DoctorFixBody {
  client: string;
  checkId?: string;
}

// ---------------------------------------------------------------- settings

/** Settings are owned by core/settings.ts; the API passes them as plain JSON. */
export type SettingsResponse = Record<string, unknown>;

// ---------------------------------------------------------------- export

export type ExportFormat = 'jsonl' | 'csv' | 'ocsf' | 'cef';

export interface ExportQuery {
  format?: ExportFormat;
  since?: string;
  until?: string;
}

// ---------------------------------------------------------------- alerts (issue 9)

/** An alert: one condition in one window; repeats inside the window raise `count`. */
export interface AlertView {
  id: string;
  kind: 'new-host' | 'new-tool' | 'call-spike' | 'token-spike' | 'error-spike' | 'key-off-route' | 'real-key-in-client';
  client: string;
  subject?: string;
  message: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  /** ISO times. */
  firstAt: string;
  lastAt: string;
  count: number;
  /** The audit event written when it first fired. */
  eventId?: string;
  acked: boolean;
  ackedAt?: string;
  ackedBy?: string;
}

export interface AlertsResponse {
  alerts: AlertView[];
  /** Unacknowledged alerts (the tray and the dashboard badge). */
  open: number;
}

// ---------------------------------------------------------------- review (issue 9)

export interface ReviewItem {
  kind: 'alert' | 'denied' | 'timed-out' | 'asked' | 'tool-changed' | 'new-server' | 'remembered';
  eventId: string;
  /** ISO time. */
  time: string;
  summary: string;
}

export interface ReviewClient {
  client: string;
  /** Flow events (LLM, MCP, A2A, HTTP) in the period. */
  calls: number;
  byType: Record<string, number>;
  hosts: { host: string; calls: number }[];
  tools: { server?: string; tool: string; calls: number }[];
  models: { model: string; requests: number; inputTokens: number; outputTokens: number; costUsd: number }[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** LLM requests whose cost is unknown (model not in the price table). */
  unpriced: number;
  asked: number;
  allowed: number;
  denied: number;
  timedOut: number;
  errors: number;
  /** Key actions first: alerts, refusals, timeouts, asks, tool changes, new servers, remembered answers used. */
  keyActions: ReviewItem[];
  toolsChanged: ReviewItem[];
  alerts: ReviewItem[];
  remembered: { rule: string; uses: number; lastEventId: string }[];
}

export interface ReviewReport {
  /** ISO times of the period. */
  since: string;
  until: string;
  generatedAt: string;
  totals: { calls: number; costUsd: number; asked: number; allowed: number; denied: number; timedOut: number; alerts: number; toolsChanged: number };
  clients: ReviewClient[];
}

// ---------------------------------------------------------------- live stream

/**
 * Messages on GET /api/events/stream (SSE). Each SSE frame has `event: <type>` and
 * `data: <JSON of the message>`; audit events also carry `id: <seq>` so a reconnecting
 * EventSource resumes with Last-Event-ID and misses nothing.
 */
export type StreamMessage =
  | { type: 'hello'; lastSeq: number; status: StatusResponse }
  | { type: 'event'; event: AuditEvent }
  | { type: 'approval'; change: 'added' | 'decided' | 'expired'; approval: PendingApproval }
  | { type: 'status'; status: StatusResponse }
  | { type: 'policy'; changed: true };

export type StreamMessageType = StreamMessage['type'];

/** Largest JSON body the server accepts (policy files included). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Longest an ask may be held by the server before it refuses (ms). */
export const MAX_ASK_TIMEOUT_MS = 10 * 60 * 1000;

/** Builds a query string from a flat object, skipping undefined/empty values. */
export function toQueryString(q: object): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}
