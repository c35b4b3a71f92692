import { writeFileSync, renameSync } from 'node:fs';
import type { InventoryResponse, InventoryServer, InventoryTool, PolicyDryRunResponse } from '../shared/api.js';
import type { Database } from './audit/database.js';
import type { InventoryService, PolicyService, SettingsService } from './control/services.js';
import type { Inventory, InventoryEntry, ToolVersion } from './inventory/index.js';
import type { BelayPaths } from './paths.js';
import { dryRunPolicy } from './policy/dry-run.js';
import { parsePolicy } from './policy/load.js';
import type { PolicyStore } from './policy/store.js';
import { loadSettings, settingsSchema } from './settings.js';

/**
 * Adapters from the engine's services to the control API's small interfaces. Each is a
 * thin translation: the logic stays in the service it adapts.
 */

export function inventoryService(inventory: Inventory): InventoryService {
  return {
    snapshot: () => inventorySnapshot(inventory.list(), (client, server, tool) => inventory.versions(client, server, tool)),
    reapprove: (serverId, tool) => {
      const [client, ...rest] = serverId.split('\u0000');
      return inventory.approveChange(client, rest.join('\u0000'), tool);
    },
  };
}

/**
 * Groups the inventory by client; a server's id carries its client so re-approve is
 * unambiguous. With `versionsOf`, a changed tool carries the approved and the offered
 * version, which the dashboard shows as a diff.
 */
export function inventorySnapshot(entries: InventoryEntry[], versionsOf?: (client: string, server: string, tool: string) => ToolVersion[]): InventoryResponse {
  const byClient = new Map<string, InventoryServer[]>();
  for (const e of entries) {
    const servers = byClient.get(e.client) ?? [];
    servers.push({
      id: `${e.client}\u0000${e.server}`,
      name: e.name ? `${e.server} (${e.name})` : e.server,
      transport: e.transport === 'stdio' ? 'stdio' : 'http',
      target: e.server,
      lastSeen: new Date(e.lastSeen).toISOString(),
      tools: e.tools.map((t): InventoryTool => {
        // An empty pin: listed but never approved (the server was new when it listed it).
        const status = t.pin === '' ? 'new' : t.pendingChange ? 'changed' : 'pinned';
        const versions = status === 'changed' ? versionsOf?.(e.client, e.server, t.name) : undefined;
        const shape = (v: ToolVersion | undefined) => (v ? { description: v.description, inputSchema: v.inputSchema } : undefined);
        return {
          name: t.name,
          description: t.description,
          pin: t.pin || undefined,
          status,
          firstSeen: new Date(t.firstSeen).toISOString(),
          lastSeen: new Date(t.lastSeen).toISOString(),
          ...(versions ? { previous: shape(versions.find((v) => v.pin === t.pin)), current: shape(versions.find((v) => v.pin === t.latestPin)) } : {}),
        };
      }),
    });
    byClient.set(e.client, servers);
  }
  return { clients: [...byClient].map(([client, servers]) => ({ client, servers })) };
}

export function policyService(store: PolicyStore, db: Database): PolicyService {
  return {
    path: store.file,
    sourceText: () => store.sourceText(),
    validate: (text) => store.validate(text),
    save: (text) => store.save(text),
    subscribe: (fn) => store.subscribe(() => fn()),
    dryRun: (text, limit): PolicyDryRunResponse => {
      const parsed = parsePolicy(text, 'candidate policy');
      if (!parsed.ok) return { ok: false, errors: parsed.errors, total: 0, changed: [], counts: {} };
      const result = dryRunPolicy(db, parsed.policy, { limit });
      const counts: PolicyDryRunResponse['counts'] = {};
      for (const c of result.changed) counts[c.after] = (counts[c.after] ?? 0) + 1;
      return {
        ok: true,
        errors: [],
        total: result.total,
        changed: result.changed.map((c) => ({ eventId: c.eventId, summary: c.summary, before: c.before, after: c.after, rule: c.rule })),
        counts,
      };
    },
  };
}

/** settings.json through the API: validated by the same schema, written atomically (0600). A null in the patch clears that setting. */
export function settingsService(paths: BelayPaths): SettingsService {
  return {
    get: () => loadSettings(paths) as Record<string, unknown>,
    update: (patch) => {
      const merged = deepMerge(loadSettings(paths) as Record<string, unknown>, patch);
      const parsed = settingsSchema.safeParse(merged);
      if (!parsed.success) {
        throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      }
      const tmp = `${paths.settings}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(parsed.data, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, paths.settings);
      return parsed.data as Record<string, unknown>;
    },
  };
}

function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    // null clears a setting (back to its default); JSON has no undefined to say so.
    if (v === null) {
      delete out[k];
      continue;
    }
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
      ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}
