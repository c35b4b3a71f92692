import os from 'node:os';
import type { Command } from 'commander';
import { parseChoice } from '../parse.js';

interface TrustCliOpts {
  store?: 'nss' | 'system' | 'all';
  json?: boolean;
}

const MARK: Record<string, string> = { done: '✓', already: '✓', absent: '·', 'needs-privileges': '!', unavailable: '!', error: '✗' };

/**
 * `belay ca install|uninstall`: added to the lead's `belay ca` group (core/cli/commands/ca.ts
 * calls this with its `ca` command).
 */
export function registerCaTrustCommands(ca: Command): void {
  for (const action of ['install', 'uninstall'] as const) {
    ca.command(action)
      .description(
        action === 'install'
          ? "Trust Belay's CA for this user (macOS login keychain, Windows user Root store, Linux NSS db + system store)."
          : "Remove Belay's CA from the trust stores `install` uses (only Belay's, by nickname and fingerprint).",
      )
      .option('--store <which>', 'Linux only: nss (browsers, Electron apps; no root), system (CLI tools; needs root) or all', parseChoice(['nss', 'system', 'all'] as const), 'all')
      .option('--json', 'machine-readable output')
      .action(async (opts: TrustCliOpts) => {
        const [{ belayPaths, ensureDataDir }, { caIdentity }, trust] = await Promise.all([import('../../paths.js'), import('../../trust/types.js'), import('../../trust/install.js')]);
        const paths = belayPaths();
        if (action === 'install') {
          ensureDataDir(paths);
          const { ensureCa } = await import('../../proxy/ca.js');
          await ensureCa(paths);
        }
        const ca = caIdentity(paths.caCert);
        const home = process.env.HOME ?? process.env.USERPROFILE ?? os.homedir();
        const results = (action === 'install' ? trust.installCa : trust.uninstallCa)(ca, { home, stores: opts.store });
        if (results.some((r) => r.outcome === 'error')) process.exitCode = 1;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ nickname: ca.nickname, sha256: ca.sha256, results }, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${ca.nickname} (SHA-256 ${ca.sha256})\n`);
        for (const r of results) {
          process.stdout.write(`  ${MARK[r.outcome]} ${r.store}: ${r.message}\n`);
          if (r.command) process.stdout.write(`      run: ${r.command}\n`);
        }
        if (action === 'install' && results.some((r) => r.outcome === 'done')) process.stdout.write('Restart the copilot apps so they load the new trust.\n');
      });
  }
}
