import type { Command } from 'commander';
import { parsePort } from '../parse.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('Run the guard headless: the local proxy, the audit log and the control API (the tray app runs the same engine).')
    .option('--proxy-port <port>', 'proxy port on 127.0.0.1 (default: settings.json proxy.port, else 8080)', parsePort)
    .action(async (opts: { proxyPort?: number }) => {
      // Loaded here, not at the top: the engine pulls in mockttp, which other commands never need.
      const { startBelay } = await import('../../engine.js');
      let belay;
      try {
        belay = await startBelay({ proxyPort: opts.proxyPort });
      } catch (err) {
        // Imported only now: the engine loads the proxy's modules after its CA is ready.
        const { PortBusyError } = await import('../../proxy/proxy.js');
        if (err instanceof PortBusyError) {
          process.stderr.write(`belay: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      const lines = [
        `Belay is guarding on ${belay.proxy.url}`,
        `  data folder : ${belay.paths.home}`,
        `  CA          : ${belay.ca.certPath}${belay.ca.created ? '  (new: trust it with `belay ca install`)' : ''}`,
        ...(belay.control ? [`  dashboard   : ${belay.control.dashboardUrl}`] : []),
        '',
        'Point a copilot at it:',
        `  terminal (Claude Code, SDKs, curl):  eval "$(belay env)"`,
        `  Cursor / VS Code: settings "http.proxy": "${belay.proxy.url}", "http.proxySupport": "override"`,
        `  every client, step by step: belay doctor`,
        '',
        'Press Ctrl+C to stop.',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) return;
          stopping = true;
          process.stderr.write(`belay: ${signal} received, stopping (flushing the audit log)…\n`);
          void belay.stop().then(resolve, (err: Error) => {
            process.stderr.write(`belay: stop failed: ${err.message}\n`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
