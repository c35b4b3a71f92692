import type { Database } from 'better-sqlite3';
import type { ToolAnnotations } from '../pipeline/action.js';
import { canonicalJson } from '../protocols/mcp/canonical.js';
import { diffTools, toolPin } from '../protocols/mcp/pin.js';
import type { McpTool } from '../protocols/mcp/tool.js';

/**
 * Per client, the MCP servers it talks to and the tools each exposes, kept in the audit
 * database (tables from migration 003). A tool's approved version is pinned; a tools/list
 * that shows another version yields a ToolChange (once per new version) and both versions
 * are kept until the user accepts the new one. Several processes (the guard and every
 * `belay mcp-wrap`) write here, so each write is one BEGIN IMMEDIATE transaction.
 */

export interface ServerInfo {
  name?: string;
  version?: string;
  title?: string;
  protocolVersion?: string;
  /** proxy or stdio. */
  transport?: string;
}

export interface ToolVersion {
  pin: string;
  title?: string;
  description: string;
  inputSchema: unknown;
  annotations: ToolAnnotations & Record<string, unknown>;
  firstSeen: number;
  lastSeen: number;
}

export interface ToolChange {
  /** added: a tool not seen before; changed: a version other than the approved pin. */
  kind: 'added' | 'changed';
  client: string;
  server: string;
  tool: string;
  /** Pin of the version just listed. */
  pin: string;
  /** The approved pin it differs from (changed only). */
  previousPin?: string;
  /** Readable account of the change ("new tool" for added). */
  diff: string;
  before?: ToolVersion;
  after: ToolVersion;
  /** Whether this server had listed tools before: a tool appearing later is notable. */
  serverKnown: boolean;
}

export interface InventoryTool {
  name: string;
  /** Approved version. */
  pin: string;
  /** Version last listed by the server. */
  latestPin: string;
  /** The server lists a version the user has not approved. */
  pendingChange: boolean;
  title?: string;
  description?: string;
  annotations?: ToolAnnotations & Record<string, unknown>;
  firstSeen: number;
  lastSeen: number;
  calls: number;
  lastCalled?: number;
  versions: number;
}

export interface InventoryEntry {
  client: string;
  server: string;
  name?: string;
  version?: string;
  title?: string;
  protocolVersion?: string;
  transport?: string;
  firstSeen: number;
  lastSeen: number;
  tools: InventoryTool[];
}

interface ToolRow {
  client: string;
  server: string;
  tool: string;
  pin: string;
  latest_pin: string;
  first_seen: number;
  last_seen: number;
  calls: number;
  last_called: number | null;
}

interface VersionRow {
  pin: string;
  title: string | null;
  description: string;
  input_schema: string;
  annotations: string;
  first_seen: number;
  last_seen: number;
}

interface ServerRow {
  client: string;
  server: string;
  name: string | null;
  version: string | null;
  title: string | null;
  protocol_version: string | null;
  transport: string | null;
  first_seen: number;
  last_seen: number;
}

export interface InventoryOptions {
  now?: () => number;
}

export class Inventory {
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    opts: InventoryOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Notes a server (on initialize). Answers whether this client had never seen it. */
  recordServer(client: string, server: string, info: ServerInfo = {}): { isNew: boolean } {
    const t = this.now();
    return this.db
      .transaction(() => {
        const isNew = this.isNewServer(client, server);
        this.db
          .prepare(
            `INSERT INTO mcp_servers (client, server, name, version, title, protocol_version, transport, first_seen, last_seen)
             VALUES (@client, @server, @name, @version, @title, @protocolVersion, @transport, @t, @t)
             ON CONFLICT (client, server) DO UPDATE SET
               name = COALESCE(excluded.name, name), version = COALESCE(excluded.version, version),
               title = COALESCE(excluded.title, title), protocol_version = COALESCE(excluded.protocol_version, protocol_version),
               transport = COALESCE(excluded.transport, transport), last_seen = excluded.last_seen`,
          )
          .run({
            client,
            server,
            name: info.name ?? null,
            version: info.version ?? null,
            title: info.title ?? null,
            protocolVersion: info.protocolVersion ?? null,
            transport: info.transport ?? null,
            t,
          });
        return { isNew };
      })
      .immediate();
  }

  /**
   * Records one tools/list page. Answers the tools that are new, and those whose version
   * differs from the approved pin (each new version reported once, not on every list).
   */
  recordToolsList(client: string, server: string, tools: McpTool[]): ToolChange[] {
    const t = this.now();
    return this.db
      .transaction(() => {
        const serverKnown = !!this.db.prepare('SELECT 1 FROM mcp_tools WHERE client = ? AND server = ? AND pin != \'\' LIMIT 1').get(client, server);
        const changes: ToolChange[] = [];
        for (const tool of tools) {
          const pin = toolPin(tool);
          this.upsertVersion(client, server, tool, pin, t);
          const row = this.toolRow(client, server, tool.name);
          const after = this.version(client, server, tool.name, pin)!;
          if (!row || row.pin === '') {
            if (row) this.db.prepare('UPDATE mcp_tools SET pin = ?, latest_pin = ?, last_seen = ? WHERE client = ? AND server = ? AND tool = ?').run(pin, pin, t, client, server, tool.name);
            else
              this.db
                .prepare('INSERT INTO mcp_tools (client, server, tool, pin, latest_pin, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)')
                .run(client, server, tool.name, pin, pin, t, t);
            changes.push({ kind: 'added', client, server, tool: tool.name, pin, diff: 'new tool', after, serverKnown });
            continue;
          }
          if (pin !== row.pin && pin !== row.latest_pin) {
            const before = this.version(client, server, tool.name, row.pin);
            changes.push({
              kind: 'changed',
              client,
              server,
              tool: tool.name,
              pin,
              previousPin: row.pin,
              diff: diffTools(before ? asTool(before) : {}, asTool(after)),
              ...(before ? { before } : {}),
              after,
              serverKnown,
            });
          }
          this.db.prepare('UPDATE mcp_tools SET latest_pin = ?, last_seen = ? WHERE client = ? AND server = ? AND tool = ?').run(pin, t, client, server, tool.name);
        }
        return changes;
      })
      .immediate();
  }

  /** Counts a tools/call. A tool never listed (Belay started mid-session) gets a row without a pin. */
  recordCall(client: string, server: string, tool: string): void {
    const t = this.now();
    this.db
      .prepare(
        `INSERT INTO mcp_tools (client, server, tool, pin, latest_pin, first_seen, last_seen, calls, last_called)
         VALUES (?, ?, ?, '', '', ?, ?, 1, ?)
         ON CONFLICT (client, server, tool) DO UPDATE SET calls = calls + 1, last_called = excluded.last_called, last_seen = excluded.last_seen`,
      )
      .run(client, server, tool, t, t, t);
  }

  /** The approved pin, or undefined when the tool was never listed. */
  pinOf(client: string, server: string, tool: string): string | undefined {
    const row = this.toolRow(client, server, tool);
    return row && row.pin !== '' ? row.pin : undefined;
  }

  /** The approved and the last listed version of a tool, and whether they differ. */
  toolState(client: string, server: string, tool: string): { pin: string; latestPin: string; pendingChange: boolean } | undefined {
    const row = this.toolRow(client, server, tool);
    if (!row || row.pin === '') return undefined;
    return { pin: row.pin, latestPin: row.latest_pin, pendingChange: row.pin !== row.latest_pin };
  }

  /** Every version of a tool ever listed, oldest first. */
  versions(client: string, server: string, tool: string): ToolVersion[] {
    const rows = this.db
      .prepare('SELECT pin, title, description, input_schema, annotations, first_seen, last_seen FROM mcp_tool_versions WHERE client = ? AND server = ? AND tool = ? ORDER BY first_seen, rowid')
      .all(client, server, tool) as VersionRow[];
    return rows.map(toVersion);
  }

  /** Accepts the version last listed as the pin. Answers whether the pin moved. */
  approveChange(client: string, server: string, tool: string): boolean {
    const r = this.db
      .prepare("UPDATE mcp_tools SET pin = latest_pin, approved_at = ? WHERE client = ? AND server = ? AND tool = ? AND pin != latest_pin AND latest_pin != ''")
      .run(this.now(), client, server, tool);
    return r.changes > 0;
  }

  /** True until this client has been seen talking to this server. */
  isNewServer(client: string, server: string): boolean {
    const seen =
      this.db.prepare('SELECT 1 FROM mcp_servers WHERE client = ? AND server = ?').get(client, server) ??
      this.db.prepare('SELECT 1 FROM mcp_tools WHERE client = ? AND server = ? LIMIT 1').get(client, server);
    return !seen;
  }

  /** Everything, grouped by client and server, for `belay inventory` and the dashboard. */
  list(): InventoryEntry[] {
    const servers = this.db.prepare('SELECT * FROM mcp_servers ORDER BY client, server').all() as ServerRow[];
    const tools = this.db.prepare('SELECT * FROM mcp_tools ORDER BY client, server, tool').all() as ToolRow[];
    const counts = new Map<string, number>();
    for (const r of this.db.prepare('SELECT client, server, tool, COUNT(*) AS n FROM mcp_tool_versions GROUP BY client, server, tool').all() as {
      client: string;
      server: string;
      tool: string;
      n: number;
    }[])
      counts.set(key(r.client, r.server, r.tool), r.n);

    const entries = new Map<string, InventoryEntry>();
    for (const s of servers) {
      entries.set(key(s.client, s.server), {
        client: s.client,
        server: s.server,
        ...opt('name', s.name),
        ...opt('version', s.version),
        ...opt('title', s.title),
        ...opt('protocolVersion', s.protocol_version),
        ...opt('transport', s.transport),
        firstSeen: s.first_seen,
        lastSeen: s.last_seen,
        tools: [],
      });
    }
    for (const r of tools) {
      const k = key(r.client, r.server);
      let entry = entries.get(k);
      if (!entry) {
        entry = { client: r.client, server: r.server, firstSeen: r.first_seen, lastSeen: r.last_seen, tools: [] };
        entries.set(k, entry);
      }
      entry.firstSeen = Math.min(entry.firstSeen, r.first_seen);
      entry.lastSeen = Math.max(entry.lastSeen, r.last_seen);
      const latest = r.latest_pin ? this.version(r.client, r.server, r.tool, r.latest_pin) : undefined;
      entry.tools.push({
        name: r.tool,
        pin: r.pin,
        latestPin: r.latest_pin,
        pendingChange: r.pin !== r.latest_pin,
        ...(latest?.title ? { title: latest.title } : {}),
        ...(latest ? { description: latest.description, annotations: latest.annotations } : {}),
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
        calls: r.calls,
        ...(r.last_called === null ? {} : { lastCalled: r.last_called }),
        versions: counts.get(key(r.client, r.server, r.tool)) ?? 0,
      });
    }
    return [...entries.values()].sort((a, b) => a.client.localeCompare(b.client) || a.server.localeCompare(b.server));
  }

  private toolRow(client: string, server: string, tool: string): ToolRow | undefined {
    return this.db.prepare('SELECT * FROM mcp_tools WHERE client = ? AND server = ? AND tool = ?').get(client, server, tool) as ToolRow | undefined;
  }

  private version(client: string, server: string, tool: string, pin: string): ToolVersion | undefined {
    const row = this.db
      .prepare('SELECT pin, title, description, input_schema, annotations, first_seen, last_seen FROM mcp_tool_versions WHERE client = ? AND server = ? AND tool = ? AND pin = ?')
      .get(client, server, tool, pin) as VersionRow | undefined;
    return row ? toVersion(row) : undefined;
  }

  private upsertVersion(client: string, server: string, tool: McpTool, pin: string, t: number): void {
    this.db
      .prepare(
        `INSERT INTO mcp_tool_versions (client, server, tool, pin, title, description, input_schema, annotations, first_seen, last_seen)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (client, server, tool, pin) DO UPDATE SET last_seen = excluded.last_seen`,
      )
      .run(client, server, tool.name, pin, tool.title ?? tool.annotations?.title ?? null, tool.description ?? '', canonicalJson(tool.inputSchema ?? {}), canonicalJson(tool.annotations ?? {}), t, t);
  }
}

function key(...parts: string[]): string {
  return parts.join('\u0000');
}

function opt<K extends string>(k: K, v: string | null): Partial<Record<K, string>> {
  return v === null ? {} : ({ [k]: v } as Record<K, string>);
}

function toVersion(r: VersionRow): ToolVersion {
  return {
    pin: r.pin,
    ...(r.title === null ? {} : { title: r.title }),
    description: r.description,
    inputSchema: JSON.parse(r.input_schema) as unknown,
    annotations: JSON.parse(r.annotations) as ToolVersion['annotations'],
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  };
}

function asTool(v: ToolVersion): Partial<McpTool> {
  return { description: v.description, inputSchema: v.inputSchema, annotations: v.annotations };
}
