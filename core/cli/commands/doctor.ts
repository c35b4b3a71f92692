import type { Command } from 'commander';
import type { DoctorClient } from '../../../shared/api.js';
import { CLIENT_IDS, isClientId, type ClientId } from '../../clients/types.js';
import { UsageError } from '../errors.js';
import { parsePort } from '../parse.js';

const MARK = { ok: '✓', warn: '!', error: '✗' } as const;

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function render(c: DoctorClient): string[] {
  const lines = [`${c.name}${c.installed ? (c.protected ? ': guarded' : ': NOT fully guarded') : ': not installed'}`];
  for (const k of c.checks) {
    if (k.id === 'installed' && k.ok) continue;
    lines.push(`  ${MARK[k.level ?? (k.ok ? 'ok' : 'error')]} ${k.message}`);
    if (k.fix) lines.push(`      fix: ${k.fix}`);
  }
  return lines;
}

/** `belay doctor [CLIENT...]`: what is missing for each copilot, and the command that fixes it. */
export function register(program: Command): void {
  program
    .command('doctor')
    .argument('[client...]', `clients (default: all): ${CLIENT_IDS.join(', ')}`)
    .description('Check each copilot: installed, traffic routed through Belay, CA trusted, seen lately, MCP servers protected. Exit 1 on a problem.')
    .option('--proxy-port <port>', 'proxy port to expect (default: from settings)', parsePort)
    .option('--json', 'machine-readable output')
    .action(async (names: string[], opts: { proxyPort?: number; json?: boolean }) => {
      const bad = names.filter((n) => !isClientId(n));
      if (bad.length) throw new UsageError(`unknown client ${bad.map((b) => `"${b}"`).join(', ')}: use one of ${CLIENT_IDS.join(', ')}.`);
      const [{ runDoctor, hasProblem }, { clientEnvFromProcess }, { belayPaths }, { loadSettings }] = await Promise.all([
        import('../../clients/doctor.js'),
        import('../../clients/locations.js'),
        import('../../paths.js'),
        import('../../settings.js'),
      ]);
      const paths = belayPaths();
      const port = opts.proxyPort ?? loadSettings(paths).proxy.port;
      const report = runDoctor({ env: clientEnvFromProcess(), paths, port, shellEnv: process.env, clients: names.length ? (names as ClientId[]) : undefined });
      if (report.clients.some(hasProblem)) process.exitCode = 1;
      if (opts.json) return write(JSON.stringify(report, null, 2));
      write(report.clients.flatMap(render).join('\n'));
      const installed = report.clients.filter((c) => c.installed);
      if (installed.length === 0) write('No copilot was found for this user.');
      else if (!installed.some(hasProblem)) write('Everything checks out.');
    });
}
