import type { DoctorFixBody, DoctorResponse } from '../../shared/api.js';
import type { DoctorService } from '../control/services.js';
import type { BelayPaths } from '../paths.js';
import { loadSettings } from '../settings.js';
import { installCa } from '../trust/install.js';
import { caIdentity } from '../trust/types.js';
import { runDoctor } from './doctor.js';
import { clientEnvFromProcess } from './locations.js';
import { changeClients } from './manage.js';
import { runSetup } from './setup.js';
import { isClientId } from './types.js';

/**
 * `GET /api/doctor` and `POST /api/doctor/fix` for the dashboard. The checks are the
 * CLI's; the engine's own environment says nothing about the user's terminals, so the
 * Claude Code checks rely on what `belay setup claude-code --write-shell-rc` recorded.
 */
export function doctorService(paths: BelayPaths, opts: { port?: () => number } = {}): DoctorService {
  const port = opts.port ?? (() => loadSettings(paths).proxy.port);
  const ctx = () => ({ env: clientEnvFromProcess(), paths, port: port() });
  return {
    run: async (): Promise<DoctorResponse> => runDoctor(ctx()),

    fix: async (body: DoctorFixBody): Promise<{ ok: boolean; message: string }> => {
      if (!isClientId(body.client)) return { ok: false, message: `unknown client "${body.client}"` };
      const client = body.client;
      const c = ctx();
      switch (body.checkId) {
        case 'routing': {
          const r = runSetup(client, c, { writeShellRc: client === 'claude-code' });
          const failed = r.files.find((f) => f.outcome === 'error');
          if (failed) return { ok: false, message: failed.error ?? 'setup failed' };
          const changed = r.files.filter((f) => f.outcome !== 'unchanged').map((f) => f.file);
          return { ok: true, message: changed.length ? `Changed ${changed.join(', ')}. Restart ${client} so it picks this up.` : r.instructions.join(' ') };
        }
        case 'ca': {
          if (client === 'claude-code') return doctorFixOf(runSetup(client, c, { writeShellRc: true }));
          // Linux: the NSS store needs no root; the system store would need sudo, which the API cannot give.
          const results = installCa(caIdentity(paths.caCert), { home: c.env.home, stores: 'nss' });
          const bad = results.find((r) => r.outcome === 'error' || r.outcome === 'unavailable' || r.outcome === 'needs-privileges');
          return bad ? { ok: false, message: `${bad.store}: ${bad.message}${bad.command ? ` (run: ${bad.command})` : ''}` } : { ok: true, message: "Belay's CA is trusted. Restart the app." };
        }
        case 'mcp': {
          const results = changeClients('protect', [client], c);
          const bad = results.find((r) => r.outcome === 'error');
          if (bad) return { ok: false, message: bad.error ?? 'protect failed' };
          const names = results.flatMap((r) => r.changed.map((s) => s.name));
          return { ok: true, message: names.length ? `Protected ${names.join(', ')}. Restart ${client}.` : 'Nothing to protect.' };
        }
        default:
          return { ok: false, message: `Belay cannot fix "${body.checkId ?? '(no check)'}" by itself; run the command the check shows.` };
      }
    },
  };
}

function doctorFixOf(r: ReturnType<typeof runSetup>): { ok: boolean; message: string } {
  const failed = r.files.find((f) => f.outcome === 'error');
  return failed ? { ok: false, message: failed.error ?? 'setup failed' } : { ok: true, message: 'Done: open a new terminal for Claude Code.' };
}
