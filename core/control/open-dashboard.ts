import { spawn } from 'node:child_process';
import { writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BelayPaths } from '../paths.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Writes a tiny redirect page (mode 0600, in the data folder next to control.json) that
 * sends the browser to the dashboard with its token. The browser is then opened on this
 * file, so the token never appears in a process's command line, where other local users
 * could read it (Jupyter opens its notebook the same way).
 */
export function writeDashboardOpener(paths: BelayPaths, urlWithToken: string): string {
  const file = path.join(paths.home, 'open-dashboard.html');
  const safe = escapeHtml(urlWithToken);
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url=${safe}"><title>Opening Belay…</title></head>
<body><p><a href="${safe}">Open the Belay dashboard</a></p></body></html>\n`;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, html, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

/** Why a browser cannot be opened here, or undefined when it probably can. */
export function noBrowserReason(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  if (env.BELAY_NO_BROWSER) return 'BELAY_NO_BROWSER is set';
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)';
  return undefined;
}

/** The OS command that opens a file or URL in the default handler. */
export function openerCommand(target: string, platform: NodeJS.Platform = process.platform): { cmd: string; args: string[] } {
  if (platform === 'darwin') return { cmd: 'open', args: [target] };
  // rundll32 avoids cmd.exe's quoting rules (an & in a URL would split the command).
  if (platform === 'win32') return { cmd: 'rundll32', args: ['url.dll,FileProtocolHandler', target] };
  return { cmd: 'xdg-open', args: [target] };
}

/** Opens a file in the default browser; resolves false (with the reason) when nothing could be launched. */
export function openInBrowser(file: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const reason = noBrowserReason();
  if (reason) return Promise.resolve({ ok: false, reason });
  const { cmd, args } = openerCommand(pathToFileURL(file).href);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.once('error', (err) => resolve({ ok: false, reason: `${cmd} failed: ${err.message}` }));
    child.once('spawn', () => {
      child.unref();
      resolve({ ok: true });
    });
  });
}
