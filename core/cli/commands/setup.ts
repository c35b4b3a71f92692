import type { Command } from 'commander';
import { CLIENT_IDS, CLIENT_NAMES, isClientId, type ClientId } from '../../clients/types.js';
import { UsageError } from '../errors.js';
import { parsePort } from '../parse.js';

interface SetupCliOpts {
  undo?: boolean;
  dryRun?: boolean;
  writeShellRc?: boolean;
  proxyPort?: number;
  json?: boolean;
}

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** `belay setup CLIENT [--undo]`: route one copilot's traffic through Belay, or take that back. */
export function register(program: Command): void {
  program
    .command('setup')
    .argument('<client>', `one of ${CLIENT_IDS.join(', ')}`)
    .description("Send a copilot's LLM traffic through Belay (editor proxy settings, environment, launch flags); --undo takes it back exactly.")
    .option('--undo', 'restore what setup changed (byte for byte when the file was not edited since)')
    .option('--dry-run', 'show the changes as a unified diff and write nothing')
    .option('--write-shell-rc', 'claude-code: also write the environment into ~/.bashrc, ~/.zshrc or fish conf.d (a marked block)')
    .option('--proxy-port <port>', 'proxy port (default: from settings)', parsePort)
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: SetupCliOpts) => {
      if (!isClientId(name)) throw new UsageError(`unknown client "${name}": use one of ${CLIENT_IDS.join(', ')}.`);
      if (opts.writeShellRc && name !== 'claude-code') throw new UsageError('--write-shell-rc is for claude-code only.');
      const client: ClientId = name;
      // Loaded on use: this CLI also runs `belay mcp-wrap`, which must start fast.
      const [{ runSetup }, { clientEnvFromProcess }, { belayPaths }, { loadSettings }] = await Promise.all([
        import('../../clients/setup.js'),
        import('../../clients/locations.js'),
        import('../../paths.js'),
        import('../../settings.js'),
      ]);
      const paths = belayPaths();
      const port = opts.proxyPort ?? loadSettings(paths).proxy.port;
      const result = runSetup(client, { env: clientEnvFromProcess(), paths, port }, { undo: opts.undo, dryRun: opts.dryRun, writeShellRc: opts.writeShellRc });
      if (result.files.some((f) => f.outcome === 'error')) process.exitCode = 1;
      if (opts.json) return write(JSON.stringify(result, null, 2));

      const title = CLIENT_NAMES[client];
      write(opts.undo ? `Undoing Belay's setup of ${title}` : `Routing ${title} through Belay (proxy 127.0.0.1:${port})`);
      for (const f of result.files) {
        if (f.outcome === 'error') write(`  ✗ ${f.error}`);
        else if (f.outcome === 'would-change') write(f.diff ?? '');
        else if (f.outcome === 'unchanged') write(`  ✓ ${f.file}: already as it should be`);
        else write(`  ✓ ${f.file}: ${f.outcome}${f.backup ? ` (backup: ${f.backup})` : ''}`);
      }
      for (const n of result.notes) write(`  ! ${n}`);
      if (result.instructions.length) {
        write(opts.undo ? 'Then:' : 'Next:');
        for (const i of result.instructions) write(i.startsWith('    ') ? i : `  - ${i}`);
      }
      if (result.works.length) {
        write('What this covers:');
        for (const w of result.works) write(`  - ${w}`);
      }
      if (result.limits.length) {
        write('What it does not cover:');
        for (const l of result.limits) write(`  - ${l}`);
      }
      if (!opts.undo && !opts.dryRun && result.files.some((f) => f.outcome === 'created' || f.outcome === 'changed')) write(`Undo with: belay setup ${client} --undo`);
    });
}
