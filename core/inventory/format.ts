import type { InventoryEntry, InventoryTool } from './inventory.js';

/** Plain-text rendering of the inventory for `belay inventory`. */
export function formatInventory(entries: InventoryEntry[]): string[] {
  if (entries.length === 0) return ['No MCP servers seen yet. Servers appear here once a copilot talks to them through Belay.'];
  const lines: string[] = [];
  for (const e of entries) {
    const who = [e.name, e.version].filter(Boolean).join(' ');
    lines.push(
      `${e.client} · ${e.server}${who ? ` — ${who}` : ''}${e.transport ? ` (${e.transport})` : ''} · first seen ${stamp(e.firstSeen)} · last seen ${stamp(e.lastSeen)}`,
    );
    if (e.tools.length === 0) lines.push('  (no tools listed yet)');
    const width = Math.min(32, Math.max(...e.tools.map((t) => t.name.length), 4));
    for (const t of e.tools) lines.push(`  ${t.name.padEnd(width)}  ${hint(t).padEnd(11)}  ${String(t.calls).padStart(5)} call${t.calls === 1 ? ' ' : 's'}  ${pinText(t)}`);
  }
  return lines;
}

function hint(t: InventoryTool): string {
  const a = t.annotations ?? {};
  if (a.destructiveHint === true) return 'destructive';
  if (a.readOnlyHint === true) return 'read-only';
  return '';
}

function pinText(t: InventoryTool): string {
  if (!t.pin) return 'pin -        (called, never listed)';
  const base = `pin ${t.pin.slice(0, 12)}`;
  return t.pendingChange ? `${base}  CHANGED since approved (${t.versions} versions; now ${t.latestPin.slice(0, 12)})` : base;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
}
