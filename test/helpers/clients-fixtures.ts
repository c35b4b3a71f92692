import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mcpConfigLocations, type ClientEnv } from '../../core/clients/locations.js';
import type { ClientId } from '../../core/clients/types.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'clients');

/** A fake machine for one OS layout, rooted in a temp folder under the test's fake HOME. */
export function fakeMachine(platform: NodeJS.Platform): ClientEnv & { root: string; project: string } {
  const parent = process.env.HOME ?? os.tmpdir();
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(path.join(parent, `machine-${platform}-`));
  const home = path.join(root, 'home');
  mkdirSync(home, { recursive: true });
  const project = path.join(root, 'project');
  mkdirSync(project, { recursive: true });
  return { root, project, platform, home, appData: path.join(home, 'AppData', 'Roaming'), xdgConfigHome: path.join(home, '.config') };
}

/** Which fixture goes in which file (by position in mcpConfigLocations). */
export const FIXTURE_FOR: Record<ClientId, string[]> = {
  'claude-desktop': ['claude_desktop_config.json'],
  'claude-code': ['claude.json', 'project-mcp.json'],
  cursor: ['cursor-mcp.json', 'project-mcp.json'],
  vscode: ['vscode-mcp.json', 'vscode-settings.json', 'vscode-mcp.json'],
  windsurf: ['mcp_config.json'],
};

/** Copies every client's fixtures to where that client keeps them on this fake machine. */
export function installFixtures(env: ClientEnv, project: string, clients: ClientId[]): string[] {
  const written: string[] = [];
  for (const client of clients) {
    mcpConfigLocations(client, env, project).forEach((loc, i) => {
      const fixture = FIXTURE_FOR[client][i];
      if (!fixture) return;
      mkdirSync(path.dirname(loc.path), { recursive: true });
      copyFileSync(path.join(FIXTURES, fixture), loc.path);
      written.push(loc.path);
    });
  }
  return written;
}
