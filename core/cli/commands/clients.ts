import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { CLIENT_IDS, CLIENT_NAMES, isClientId, type ClientId, type ServerInfo } from '../../clients/types.js';

interface ClientsOpts {
  project?: string;
  dryRun?: boolean;
  json?: boolean;
  server?: string[];
}

function parseClients(names: string[]): ClientId[] {
  const bad = names.filter((n) => !isClientId(n));
  if (bad.length) throw new UsageError(`unknown client ${bad.map((b) => `"${b}"`).join(', ')}: use one of ${CLIENT_IDS.join(', ')}.`);
  return names.length ? (names as ClientId[]) : [...CLIENT_IDS];
}

async function context(opts: ClientsOpts) {
  // Loaded on use so `belay mcp-wrap` (which shares this CLI) starts without them.
  const [{ clientEnvFromProcess }, { belayPaths }] = await Promise.all([import('../../clients/locations.js'), import('../../paths.js')]);
  return { env: clientEnvFromProcess(), paths: belayPaths(), projectDir: opts.project ? path.resolve(opts.project) : undefined };
}

function routeNote(s: ServerInfo): string {
  if (s.transport === 'stdio') {
    if (s.stale) return `protected, but stale: ${s.stale} (run: belay clients protect ${s.client})`;
    return s.protected ? 'protected (runs through belay mcp-wrap)' : `NOT protected (run: belay clients protect ${s.client})`;
  }
  if (s.transport === 'unknown') return 'not recognised (no command or url)';
  return `remote ${s.transport}: guarded by the proxy when ${CLIENT_NAMES[s.client]} is routed through it (belay setup ${s.client})`;
}

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function register(program: Command): void {
  const clients = program.command('clients').description('Find the MCP servers your copilots run and guard them (protect / unprotect).');
  const common = (cmd: Command) =>
    cmd
      .option('--project <dir>', 'also the project-level config files in this folder (.mcp.json, .cursor/mcp.json, .vscode/mcp.json)')
      .option('--json', 'machine-readable output');

  common(clients.command('list').description('The clients Belay knows, whether they look installed, and where their MCP configs live.')).action(async (opts: ClientsOpts) => {
    const ctx = await context(opts);
    const { mcpConfigLocations, clientInstallMarkers } = await import('../../clients/locations.js');
    const { existsSync } = await import('node:fs');
    const rows = CLIENT_IDS.map((id) => ({
      client: id,
      name: CLIENT_NAMES[id],
      installed: clientInstallMarkers(id, ctx.env).some((p) => existsSync(p)),
      configFiles: mcpConfigLocations(id, ctx.env, ctx.projectDir).map((l) => ({ path: l.path, scope: l.scope, exists: existsSync(l.path) })),
    }));
    if (opts.json) return write(JSON.stringify(rows, null, 2));
    for (const r of rows) {
      write(`${r.client.padEnd(15)} ${r.name}${r.installed ? '' : ' (not found on this machine)'}`);
      for (const f of r.configFiles) write(`    ${f.exists ? '✓' : '·'} ${f.path}${f.scope === 'project' ? ' (project)' : ''}`);
    }
  });

  common(clients.command('status').argument('[client...]', `clients (default: all): ${CLIENT_IDS.join(', ')}`).description('Every MCP server in the clients\' configs and whether Belay guards it.')).action(
    async (names: string[], opts: ClientsOpts) => {
      const ids = parseClients(names);
      const ctx = await context(opts);
      const { scanClient } = await import('../../clients/manage.js');
      const files = ids.flatMap((id) => scanClient(id, ctx));
      if (files.some((f) => f.error)) process.exitCode = 1;
      if (opts.json) return write(JSON.stringify(files.map((f) => ({ ...f, servers: f.servers.map((s) => ({ ...s, note: routeNote(s) })) })), null, 2));
      for (const f of files) {
        if (!f.exists) continue;
        write(`${CLIENT_NAMES[f.client]}: ${f.path}`);
        if (f.error) write(`    ERROR ${f.error}`);
        else if (!f.servers.length) write('    (no MCP servers)');
        for (const s of f.servers) write(`    ${s.container.length > 1 ? `[${s.container.slice(0, -1).join('.')}] ` : ''}${s.name}: ${routeNote(s)}`);
      }
      if (!files.some((f) => f.exists)) write('No MCP config files found for these clients.');
    },
  );

  for (const action of ['protect', 'unprotect'] as const) {
    const cmd = clients
      .command(action)
      .argument('[client...]', `clients (default: all): ${CLIENT_IDS.join(', ')}`)
      .description(
        action === 'protect'
          ? 'Run each stdio MCP server through `belay mcp-wrap` (keeps name, args, env, cwd; a backup is taken first).'
          : 'Restore the original server entries (byte for byte when untouched since protect).',
      )
      .option('--dry-run', 'show the changes as a unified diff and write nothing')
      .option('--server <name...>', 'only these servers (by name)');
    common(cmd).action(async (names: string[], opts: ClientsOpts) => {
      const ids = parseClients(names);
      const ctx = await context(opts);
      const { changeClients } = await import('../../clients/manage.js');
      const results = changeClients(action, ids, ctx, { dryRun: opts.dryRun, only: opts.server });
      if (results.some((r) => r.outcome === 'error')) process.exitCode = 1;
      if (opts.json) return write(JSON.stringify(results, null, 2));
      for (const r of results) {
        if (r.outcome === 'missing') continue;
        const names = r.changed.map((s) => s.name).join(', ');
        if (r.outcome === 'error') write(`belay: ${r.error}`);
        else if (r.outcome === 'unchanged') write(`${r.path}: nothing to ${action}`);
        else if (r.outcome === 'would-change') write(r.diff ?? '');
        else write(`${r.path}: ${action}ed ${names}${r.backup ? ` (backup: ${r.backup})` : ''}`);
      }
      if (!opts.dryRun && results.some((r) => r.outcome === 'changed')) write(`Restart the affected clients so they pick up the change.`);
      if (results.every((r) => r.outcome === 'missing')) write('No MCP config files found for these clients.');
    });
  }
}
