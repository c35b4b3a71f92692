import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { belayPaths, ensureDataDir } from '../../paths.js';
import { registerCaTrustCommands } from './ca-install.js';

// mockttp (behind proxy/ca.js) takes a second to load: only commands that need the CA
// pay for it, so `belay mcp-wrap`, which copilots start for every MCP server, stays fast.
const loadCa = () => import('../../proxy/ca.js');

export function register(program: Command): Command {
  const ca = program.command('ca').description("Belay's local certificate authority (created on first run, in the data folder).");
  ca.command('path')
    .description("Print the path of Belay's CA certificate (PEM).")
    .action(async () => {
      const paths = belayPaths();
      ensureDataDir(paths);
      const { ensureCa } = await loadCa();
      const local = await ensureCa(paths);
      process.stdout.write(`${local.certPath}\n`);
    });
  ca.command('export')
    .description("Write Belay's CA certificate to a file (PEM, or DER with --der). Never the key.")
    .requiredOption('--out <file>', 'where to write it')
    .option('--der', 'DER (binary) instead of PEM')
    .action(async (opts: { out: string; der?: boolean }) => {
      const paths = belayPaths();
      ensureDataDir(paths);
      const { ensureCa, pemToDer } = await loadCa();
      const local = await ensureCa(paths);
      try {
        writeFileSync(opts.out, opts.der ? pemToDer(local.cert) : local.cert, { mode: 0o644 });
      } catch (err) {
        throw new Error(`Cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).message}`);
      }
      process.stdout.write(`Wrote ${opts.der ? 'DER' : 'PEM'} CA certificate to ${opts.out} (${local.subject.replace(/\n/g, ', ')}, SHA-256 ${local.fingerprint256})\n`);
    });
  registerCaTrustCommands(ca);
  return ca;
}
