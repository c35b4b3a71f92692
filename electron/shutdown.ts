/**
 * Quitting with a deadline: stop the core (proxy first, then flush and close the audit
 * log) but never hang the user's logout. Returns a quit handler that runs once.
 */
export function shutdownWithDeadline(stop: () => Promise<void>, opts: { deadlineMs: number; exit: (code: number) => void; log: (m: string) => void }): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), opts.deadlineMs);
      });
      let code = 0;
      try {
        const result = await Promise.race([stop().then(() => 'stopped' as const), deadline]);
        if (result === 'timeout') {
          opts.log(`the core did not stop within ${opts.deadlineMs} ms; quitting anyway (events not yet written may be lost)`);
          code = 1;
        }
      } catch (err) {
        opts.log(`stopping the core failed: ${(err as Error).message}`);
        code = 1;
      } finally {
        clearTimeout(timer);
      }
      opts.exit(code);
    })();
    return running;
  };
}
