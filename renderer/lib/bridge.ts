/**
 * The narrow object the Electron preload exposes to the prompt window (absent in a
 * browser). Mirrors electron/preload-api.ts; only these calls cross the bridge.
 */
export interface BelayBridge {
  /** The prompt is answered (or no longer pending): the main process hides the window. */
  promptDone(approvalId: string, outcome: 'allowed' | 'denied' | 'gone'): void;
  /** Opens an allow-listed http(s) URL in the default browser. */
  openExternal(url: string): void;
}

export function bridge(): BelayBridge | undefined {
  return (globalThis as { belay?: BelayBridge }).belay;
}
