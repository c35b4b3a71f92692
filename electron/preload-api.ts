/**
 * The IPC channels the preload exposes, shared by preload.cts and the main process.
 * The renderer sees only `window.belay` with these two calls (see renderer/lib/bridge.ts).
 */
export const IPC = {
  promptDone: 'belay:prompt-done',
  openExternal: 'belay:open-external',
} as const;

export type PromptOutcome = 'allowed' | 'denied' | 'gone';

export function validPromptDone(args: unknown[]): [string, PromptOutcome] | undefined {
  const [id, outcome] = args;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return undefined;
  if (outcome !== 'allowed' && outcome !== 'denied' && outcome !== 'gone') return undefined;
  return [id, outcome];
}

export function validUrl(args: unknown[]): [string] | undefined {
  const [url] = args;
  return typeof url === 'string' && url.length < 2048 ? [url] : undefined;
}
