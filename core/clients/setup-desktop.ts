import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { minimalInverse } from './setup-undo.js';
import { sha256 } from './state.js';
import { proxyUrl, type ClientPlan, type PlannedFile, type ReadFile, type SetupContext } from './setup-types.js';

type DesktopApp = 'claude-desktop' | 'windsurf';

const APP_NAME: Record<DesktopApp, string> = { 'claude-desktop': 'Claude Desktop', windsurf: 'Windsurf' };
/** Launcher entry names the Linux builds and packages use. */
const KNOWN_ENTRIES: Record<DesktopApp, string[]> = {
  'claude-desktop': ['claude-desktop.desktop', 'claude.desktop', 'Claude.desktop', 'com.anthropic.claude-desktop.desktop'],
  windsurf: ['windsurf.desktop', 'Windsurf.desktop', 'codeium-windsurf.desktop', 'com.codeium.windsurf.desktop'],
};
const ENTRY_PATTERN: Record<DesktopApp, RegExp> = { 'claude-desktop': /claude(?!-code)/i, windsurf: /windsurf/i };
const MAC_APP: Record<DesktopApp, string> = { 'claude-desktop': 'Claude', windsurf: 'Windsurf' };

/** Chromium's own switches: every request of the app through Belay, and no QUIC (UDP would go around the proxy). */
export function launchFlags(ctx: SetupContext): string {
  return `--proxy-server=${proxyUrl(ctx)} --disable-quic`;
}

/** Where launcher entries are looked up, the user's own folder first (it overrides the others). */
export function applicationDirs(ctx: SetupContext): string[] {
  const home = ctx.env.home;
  const dataHome = ctx.env.xdgDataHome ?? path.join(home, '.local', 'share');
  const dirs = [dataHome, ...(ctx.env.xdgDataDirs ?? ['/usr/local/share', '/usr/share'])];
  return [...new Set(dirs.map((d) => path.join(d, 'applications')))];
}

export function userApplicationsDir(ctx: SetupContext): string {
  return applicationDirs(ctx)[0];
}

/** The app's launcher entry: a known name first, then any entry whose name mentions the app. */
export function findDesktopEntry(app: DesktopApp, ctx: SetupContext): string | undefined {
  const dirs = applicationDirs(ctx);
  for (const dir of dirs) for (const name of KNOWN_ENTRIES[app]) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // a listed data dir that does not exist is normal
    }
    const hit = names.find((n) => n.endsWith('.desktop') && ENTRY_PATTERN[app].test(n));
    if (hit) return path.join(dir, hit);
  }
  return undefined;
}

/**
 * Adds the flags to every Exec= line, before the field codes (%U, %F…) so they reach
 * the app whether Exec runs it directly or through `flatpak run … APP-ID`.
 */
export function addFlagsToExec(text: string, flags: string): { text: string; changed: number } {
  let changed = 0;
  const out = text.replace(/^(Exec=)(.*)$/gm, (line, key: string, value: string) => {
    if (value.includes('--proxy-server=')) return line;
    changed++;
    const code = /\s%[a-zA-Z](\s|$)/.exec(value);
    if (!code) return `${key}${value.trimEnd()} ${flags}`;
    return `${key}${value.slice(0, code.index)} ${flags}${value.slice(code.index)}`;
  });
  return { text: out, changed };
}

/**
 * A user-level copy of the app's launcher entry with the flags added (it hides the
 * system one; undo deletes it), or, when the entry already is the user's, the flags
 * added in place (undo takes exactly them out).
 */
export function planDesktopEntry(source: string, ctx: SetupContext, read: ReadFile): PlannedFile | { error: string } {
  const target = path.join(userApplicationsDir(ctx), path.basename(source));
  const inPlace = path.resolve(source) === path.resolve(target);
  const original = read(source);
  if (original === undefined) return { error: `${source} could not be read` };
  const current = inPlace ? original : read(target);
  const flags = launchFlags(ctx);
  const base = current ?? original;
  if (base.includes(flags)) return { file: target, before: current, after: current };
  if (/--proxy-server=/.test(base)) return { error: `${current !== undefined ? target : source} already sets --proxy-server: remove it first, then run setup again` };
  const { text, changed } = addFlagsToExec(base, flags);
  if (changed === 0) return { error: `${source} has no Exec= line to add the flags to` };
  const created = current === undefined;
  return {
    file: target,
    before: current,
    after: text,
    mode: 0o644,
    record: {
      file: target,
      kind: 'desktop-entry',
      created,
      afterHash: sha256(text),
      // A copy Belay made is removed whole; an entry of the user's gets the flags taken out.
      undo: [minimalInverse(created ? '' : base, text)],
      added: [` ${flags}`],
    },
  };
}

export function planDesktopApp(app: DesktopApp, ctx: SetupContext, read: ReadFile): ClientPlan {
  const name = APP_NAME[app];
  const flags = launchFlags(ctx);
  const limits = [
    `${name} has no proxy setting of its own: it follows the OS proxy or the launch flags, nothing else.`,
    ...(app === 'windsurf'
      ? ["Windsurf's language server (a Go program) ignores the launch flags: turn on Settings → Advanced → Detect Proxy and trust the CA in the OS store (belay ca install --store system on Linux)."]
      : []),
    ...(app === 'claude-desktop' ? ["Claude Desktop's local MCP servers are separate processes: guard them with `belay clients protect claude-desktop`."] : []),
  ];
  const platform = ctx.env.platform;
  if (platform === 'darwin') {
    return {
      files: [],
      instructions: [
        `Quit ${name}, then start it with the flags: open -a "${MAC_APP[app]}" --args ${flags}`,
        `Or route the whole Mac: System Settings → Network → (your network) → Details → Proxies → Secure web proxy (HTTPS) 127.0.0.1 port ${ctx.port} (every app then uses Belay).`,
        "Trust Belay's CA in the login keychain: belay ca install",
      ],
      works: [`${name} started with the flags (or under the system proxy) sends its HTTPS through Belay.`],
      limits: [...limits, `Started from the Dock, Spotlight or at login, ${name} gets no flags: only the system proxy covers those starts. Belay does not change the system proxy for you.`],
    };
  }
  if (platform === 'win32') {
    return {
      files: [],
      instructions: [
        `Edit ${name}'s Start menu shortcut (Properties → Target) and append: ${flags}`,
        `Or route all of Windows: Settings → Network & internet → Proxy → Use a proxy server: 127.0.0.1 port ${ctx.port}.`,
        "Trust Belay's CA in your user Root store: belay ca install",
      ],
      works: [`${name} started from the edited shortcut (or under the system proxy) sends its HTTPS through Belay.`],
      limits: [...limits, 'The Microsoft Store (MSIX) build cannot take launch flags from a shortcut: use the system proxy there. Belay does not edit shortcuts or the system proxy for you.'],
    };
  }
  const source = findDesktopEntry(app, ctx);
  const instructions = ["Trust Belay's CA in the NSS database Electron apps read: belay ca install --store nss", `Quit ${name} completely and start it again from the applications menu.`];
  if (!source) {
    return {
      files: [],
      instructions: [`No launcher entry for ${name} was found in ${applicationDirs(ctx).join(', ')}. Start it by hand with: <path to ${name}> ${flags}`, ...instructions],
      works: [],
      limits,
    };
  }
  const planned = planDesktopEntry(source, ctx, read);
  if ('error' in planned) throw new Error(planned.error);
  return {
    files: [planned],
    instructions,
    works: [`${name} started from the applications menu runs with ${flags} (a user launcher entry that overrides ${source}).`],
    limits: [...limits, `Started another way (a terminal, autostart, an entry with DBusActivatable=true), ${name} gets no flags: run it as \`<app> ${flags}\` there.`],
  };
}
