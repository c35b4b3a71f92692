import { existsSync } from 'node:fs';
import path from 'node:path';
import { proxyEnvironment, renderEnvironment, type Shell } from '../proxy/environment.js';
import type { BelayPaths } from '../paths.js';
import { sha256 } from './state.js';
import { proxyUrl, type ClientPlan, type PlannedFile, type ReadFile, type SetupContext, type SetupOptions } from './setup-types.js';

export const RC_BEGIN = '# >>> belay setup claude-code >>>';
export const RC_END = '# <<< belay setup claude-code <<<';

/**
 * What Claude Code needs: real environment variables (a proxy set only in Claude Code's
 * settings.json `env` was reported not to reach its API calls) and Node's extra CA file.
 */
const CLAUDE_CODE_VARS = new Set(['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS']);

export function claudeCodeEnvironment(ctx: SetupContext, paths: BelayPaths = ctx.paths): [string, string][] {
  return proxyEnvironment(proxyUrl(ctx), paths.caCert).filter(([name]) => CLAUDE_CODE_VARS.has(name));
}

export function rcBlock(vars: [string, string][], shell: Shell): string {
  return [RC_BEGIN, '# Sends Claude Code (and whatever else starts from this shell) through Belay.', '# Remove with: belay setup claude-code --undo', renderEnvironment(vars, shell).trimEnd(), RC_END, ''].join('\n');
}

/** The startup files to write: those that exist, plus the one for the user's $SHELL. */
export function shellRcFiles(ctx: SetupContext): { file: string; shell: Shell }[] {
  const { home, xdgConfigHome, shell, platform } = ctx.env;
  const name = shell ? path.basename(shell) : undefined;
  const candidates: { file: string; shell: Shell; mine: boolean }[] = [
    { file: path.join(home, '.bashrc'), shell: 'sh', mine: name === 'bash' },
    { file: path.join(home, '.zshrc'), shell: 'sh', mine: name === 'zsh' },
    // fish reads every file in conf.d: Belay's block gets a file of its own.
    { file: path.join(xdgConfigHome, 'fish', 'conf.d', 'belay.fish'), shell: 'fish', mine: name === 'fish' || existsSync(path.join(xdgConfigHome, 'fish')) },
  ];
  const chosen = candidates.filter((c) => c.mine || existsSync(c.file));
  if (chosen.length === 0) chosen.push(platform === 'darwin' ? candidates[1] : candidates[0]);
  return chosen.map(({ file, shell: s }) => ({ file, shell: s }));
}

/** Appends the marked block; undo deletes exactly what was appended. */
export function planRcFile(file: string, before: string | undefined, block: string): PlannedFile {
  const text = before ?? '';
  if (text.includes(block)) return { file, before, after: before };
  const added = `${text.length && !text.endsWith('\n') ? '\n' : ''}${block}`;
  const after = text + added;
  return {
    file,
    before,
    after,
    mode: 0o644,
    record: { file, kind: 'shell-rc', created: before === undefined, afterHash: sha256(after), undo: [[{ offset: text.length, length: added.length, content: '' }]], added: [added] },
  };
}

export function planClaudeCode(ctx: SetupContext, read: ReadFile, opts: SetupOptions): ClientPlan {
  const vars = claudeCodeEnvironment(ctx);
  const isWindows = ctx.env.platform === 'win32';
  const files = opts.writeShellRc && !isWindows ? shellRcFiles(ctx).map(({ file, shell }) => planRcFile(file, read(file), rcBlock(vars, shell))) : [];
  const instructions = isWindows
    ? [
        'In the PowerShell window you start Claude Code from:',
        ...renderEnvironment(vars, 'powershell').trimEnd().split('\n').map((l) => `    ${l}`),
        'To keep them for new windows (user environment):',
        ...vars.map(([k, v]) => `    setx ${k} "${v}"`),
      ]
    : [
        'In the terminal you start Claude Code from:',
        ...renderEnvironment(vars, 'sh').trimEnd().split('\n').map((l) => `    ${l}`),
        '(or `eval "$(belay env)"`, which also routes curl, git, Python and other tools)',
        opts.writeShellRc
          ? 'The same lines are written into your shell startup files (below); open a new terminal to use them.'
          : 'To make it permanent: belay setup claude-code --write-shell-rc (adds a marked block to ~/.bashrc, ~/.zshrc or fish conf.d; undo with --undo).',
      ];
  return {
    files,
    instructions: [...instructions, "Trust is per process: NODE_EXTRA_CA_CERTS points Claude Code's Node at Belay's CA, no system change needed."],
    works: ['Claude Code started from a shell with these variables sends its API calls and remote MCP traffic through Belay.'],
    limits: [
      'Claude Code started elsewhere (an IDE extension, a GUI launcher) does not see these variables.',
      'Setting the proxy only in ~/.claude/settings.json "env" was reported not to reach its API calls: use real environment variables.',
      ...(opts.writeShellRc ? ['With the block in place, programs started from new shells use the proxy: keep Belay running (or undo) or their HTTPS requests fail.'] : []),
    ],
  };
}
