/** Small pure formatting helpers used by the CLI and the dashboard. */

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatCostUsd(cost: number | 'unknown' | undefined): string {
  if (cost === undefined) return '-';
  if (cost === 'unknown') return 'unknown';
  // A small call costs a fraction of a cent: "$0.0000" would read as free.
  if (cost > 0 && cost < 0.0001) return '<$0.0001';
  return cost < 0.01 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`;
}
