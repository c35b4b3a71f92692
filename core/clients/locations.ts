import os from 'node:os';
import path from 'node:path';
import type { ClientId, JsonPath, McpConfigLocation } from './types.js';

/**
 * Where things live on this machine. Built from the environment (not os.homedir()
 * alone) so tests and `--home`-style overrides can point every client at temp folders.
 */
export interface ClientEnv {
  platform: NodeJS.Platform;
  home: string;
  /** Windows %APPDATA% (Roaming). */
  appData: string;
  /** Linux $XDG_CONFIG_HOME, default ~/.config. */
  xdgConfigHome: string;
  /** Claude Code's override for where ~/.claude.json and ~/.claude/ live. */
  claudeConfigDir?: string;
  /** Linux $XDG_DATA_HOME (default ~/.local/share): user .desktop entries live in its applications/. */
  xdgDataHome?: string;
  /** Linux $XDG_DATA_DIRS (default /usr/local/share:/usr/share): where installed apps put their .desktop entries. */
  xdgDataDirs?: string[];
  /** $SHELL: which rc file `belay setup claude-code --write-shell-rc` creates when none exists. */
  shell?: string;
}

export function clientEnvFromProcess(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): ClientEnv {
  const home = (platform === 'win32' ? env.USERPROFILE ?? env.HOME : env.HOME ?? env.USERPROFILE) ?? os.homedir();
  return {
    platform,
    home,
    appData: env.APPDATA || path.join(home, 'AppData', 'Roaming'),
    // An empty variable means unset (as the XDG spec says), not the current folder.
    xdgConfigHome: env.XDG_CONFIG_HOME || path.join(home, '.config'),
    claudeConfigDir: env.CLAUDE_CONFIG_DIR || undefined,
    xdgDataHome: env.XDG_DATA_HOME || path.join(home, '.local', 'share'),
    xdgDataDirs: (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean),
    shell: env.SHELL || undefined,
  };
}

/** The per-user folder Electron apps (Claude, Code, Cursor, Windsurf) keep their data in. */
export function appConfigDir(env: ClientEnv, appName: string): string {
  if (env.platform === 'darwin') return path.join(env.home, 'Library', 'Application Support', appName);
  if (env.platform === 'win32') return path.join(env.appData, appName);
  return path.join(env.xdgConfigHome, appName);
}

/** VS Code-family user settings folder (…/Code/User, …/Cursor/User, …/Windsurf/User). */
export function editorUserDir(env: ClientEnv, client: 'vscode' | 'cursor' | 'windsurf'): string {
  const app = { vscode: 'Code', cursor: 'Cursor', windsurf: 'Windsurf' }[client];
  return path.join(appConfigDir(env, app), 'User');
}

export function claudeCodeGlobalFile(env: ClientEnv): string {
  return path.join(env.claudeConfigDir ?? env.home, '.claude.json');
}

export function claudeCodeSettingsFile(env: ClientEnv): string {
  return path.join(env.claudeConfigDir ?? path.join(env.home, '.claude'), 'settings.json');
}

const fixed =
  (...containers: JsonPath[]) =>
  () =>
    containers;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ~/.claude.json: the user map plus one map per project Claude Code has been opened in. */
function claudeJsonContainers(root: unknown): JsonPath[] {
  const out: JsonPath[] = [['mcpServers']];
  if (isObject(root) && isObject(root.projects)) {
    for (const [dir, project] of Object.entries(root.projects)) {
      if (isObject(project) && isObject(project.mcpServers)) out.push(['projects', dir, 'mcpServers']);
    }
  }
  return out;
}

/**
 * Every MCP config file a client may use, user-level first, then (with a project
 * folder) the project files. Files that do not exist are listed too: callers report them.
 */
export function mcpConfigLocations(client: ClientId, env: ClientEnv, projectDir?: string): McpConfigLocation[] {
  const user = (p: string, containers: McpConfigLocation['containers']): McpConfigLocation => ({ client, scope: 'user', path: p, containers });
  const project = (rel: string, containers: McpConfigLocation['containers']): McpConfigLocation[] =>
    projectDir ? [{ client, scope: 'project', path: path.join(path.resolve(projectDir), rel), containers }] : [];
  switch (client) {
    case 'claude-desktop':
      return [user(path.join(appConfigDir(env, 'Claude'), 'claude_desktop_config.json'), fixed(['mcpServers']))];
    case 'claude-code':
      return [user(claudeCodeGlobalFile(env), claudeJsonContainers), ...project('.mcp.json', fixed(['mcpServers']))];
    case 'cursor':
      return [user(path.join(env.home, '.cursor', 'mcp.json'), fixed(['mcpServers'])), ...project(path.join('.cursor', 'mcp.json'), fixed(['mcpServers']))];
    case 'vscode':
      return [
        user(path.join(editorUserDir(env, 'vscode'), 'mcp.json'), fixed(['servers'])),
        // The older place: settings.json "mcp": { "servers": … } (or the flat "mcp.servers" key).
        user(path.join(editorUserDir(env, 'vscode'), 'settings.json'), vscodeSettingsContainers),
        ...project(path.join('.vscode', 'mcp.json'), fixed(['servers'])),
      ];
    case 'windsurf':
      return [user(path.join(env.home, '.codeium', 'windsurf', 'mcp_config.json'), fixed(['mcpServers']))];
  }
}

function vscodeSettingsContainers(root: unknown): JsonPath[] {
  const out: JsonPath[] = [];
  if (isObject(root) && isObject(root.mcp) && isObject(root.mcp.servers)) out.push(['mcp', 'servers']);
  if (isObject(root) && isObject(root['mcp.servers'])) out.push(['mcp.servers']);
  return out;
}

/** Folders whose presence says the client is installed for this user (best effort). */
export function clientInstallMarkers(client: ClientId, env: ClientEnv): string[] {
  switch (client) {
    case 'claude-desktop':
      return [appConfigDir(env, 'Claude')];
    case 'claude-code':
      return [claudeCodeGlobalFile(env), env.claudeConfigDir ?? path.join(env.home, '.claude')];
    case 'cursor':
      return [path.join(env.home, '.cursor'), appConfigDir(env, 'Cursor')];
    case 'vscode':
      return [appConfigDir(env, 'Code')];
    case 'windsurf':
      return [path.join(env.home, '.codeium', 'windsurf'), appConfigDir(env, 'Windsurf')];
  }
}
