import type { Command } from 'commander';
import { belayPaths } from '../../paths.js';
import { loadSettings } from '../../settings.js';
import { parseChoice, parsePort } from '../parse.js';
import { proxyEnvironment, renderEnvironment, type Shell } from '../../proxy/environment.js';

export function register(program: Command): void {
  program
    .command('env')
    .description('Print the environment that routes a terminal (Claude Code, SDKs, curl, git) through Belay. Use: eval "$(belay env)"')
    .option('--shell <shell>', 'sh (bash, zsh), fish or powershell', parseChoice(['sh', 'fish', 'powershell'] as const), 'sh')
    .option('--proxy-port <port>', 'proxy port (default: from settings, else 8080)', parsePort)
    .option('--unset', 'print the commands that undo it')
    .action((opts: { shell: Shell; proxyPort?: number; unset?: boolean }) => {
      const paths = belayPaths();
      const port = opts.proxyPort ?? loadSettings(paths).proxy.port;
      const vars = proxyEnvironment(`http://127.0.0.1:${port}`, paths.caCert);
      process.stdout.write(renderEnvironment(vars, opts.shell, Boolean(opts.unset)));
    });
}
