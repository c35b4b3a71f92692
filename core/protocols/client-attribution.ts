/**
 * Which app sent a request, from its User-Agent and the headers apps add.
 *
 * Order matters: apps are checked before the SDKs they embed (Claude Code uses the
 * Anthropic SDK, Copilot Chat runs inside VS Code, Cursor is a VS Code fork), and
 * generic HTTP libraries come last. Only plain substring tests: this runs per request.
 */

export interface ClientInfo {
  /** Stable id: cursor, claude-desktop, claude-code, vscode, windsurf, openai-sdk, anthropic-sdk, google-sdk, mcp-sdk, python, curl, unknown. */
  id: string;
  name: string;
  version?: string;
}

type Headers = Record<string, string | string[] | undefined>;

function get(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The version after `token/` in a User-Agent-like string, up to a space, `;` or `)`. */
function versionAfter(s: string, token: string): string | undefined {
  const at = s.toLowerCase().indexOf(token.toLowerCase());
  if (at < 0) return undefined;
  let i = at + token.length;
  const start = i;
  while (i < s.length && !' ;)(,'.includes(s[i])) i++;
  return i > start ? s.slice(start, i) : undefined;
}

const info = (id: string, name: string, version: string | undefined): ClientInfo => (version ? { id, name, version } : { id, name });

export function attributeClient(headers: Headers): ClientInfo {
  const ua = get(headers, 'user-agent') ?? '';
  const lower = ua.toLowerCase();
  const editorVersion = (get(headers, 'editor-version') ?? '').toLowerCase();
  const stainlessLang = get(headers, 'x-stainless-lang');
  const stainlessVersion = get(headers, 'x-stainless-package-version');

  // Claude Code: "claude-cli/2.0.14 (external, cli)", and `x-app: cli` on its API calls.
  if (lower.includes('claude-cli/') || lower.includes('claude-code/')) {
    return info('claude-code', 'Claude Code', versionAfter(ua, 'claude-cli/') ?? versionAfter(ua, 'claude-code/'));
  }
  if (get(headers, 'x-app') === 'cli' && get(headers, 'anthropic-version') !== undefined) return info('claude-code', 'Claude Code', undefined);

  // Cursor (Electron: "… Cursor/1.7.44 Chrome/… Electron/…", plus its own headers).
  if (lower.includes('cursor/') || get(headers, 'x-cursor-client-version') !== undefined || editorVersion.startsWith('cursor')) {
    return info('cursor', 'Cursor', versionAfter(ua, 'cursor/') ?? get(headers, 'x-cursor-client-version'));
  }

  // Windsurf / Codeium.
  if (lower.includes('windsurf') || lower.includes('codeium') || editorVersion.startsWith('windsurf')) {
    return info('windsurf', 'Windsurf', versionAfter(ua, 'windsurf/') ?? versionAfter(ua, 'codeium/'));
  }

  // Claude Desktop (Electron: "… Claude/0.14.10 Chrome/… Electron/…").
  if ((lower.includes(' claude/') || lower.startsWith('claude/')) && lower.includes('electron/')) {
    return info('claude-desktop', 'Claude Desktop', versionAfter(ua, 'claude/'));
  }
  if (get(headers, 'anthropic-client-platform') === 'desktop_app') return info('claude-desktop', 'Claude Desktop', get(headers, 'anthropic-client-version'));

  // VS Code and GitHub Copilot (Copilot Chat sends editor-version: vscode/1.95.0).
  if ((lower.includes(' code/') && lower.includes('electron/')) || lower.includes('githubcopilot') || lower.includes('copilot/') || get(headers, 'copilot-integration-id') !== undefined || editorVersion.startsWith('vscode/') || lower.includes('vscode/') || lower.includes('visual studio code')) {
    const version = editorVersion.startsWith('vscode/') ? editorVersion.slice('vscode/'.length) : (versionAfter(ua, 'vscode/') ?? versionAfter(ua, ' code/'));
    return info('vscode', 'VS Code', version);
  }

  // Official SDKs (Stainless-generated ones tag every request with x-stainless-*).
  if (lower.includes('anthropic/')) return info('anthropic-sdk', 'Anthropic SDK', versionAfter(ua, 'anthropic/js ') ?? versionAfter(ua, 'anthropic/python ') ?? stainlessVersion);
  if (lower.includes('openai/')) return info('openai-sdk', 'OpenAI SDK', versionAfter(ua, 'openai/js ') ?? versionAfter(ua, 'openai/python ') ?? stainlessVersion);
  if (stainlessLang !== undefined) {
    return get(headers, 'anthropic-version') !== undefined ? info('anthropic-sdk', 'Anthropic SDK', stainlessVersion) : info('openai-sdk', 'OpenAI SDK', stainlessVersion);
  }
  const googClient = (get(headers, 'x-goog-api-client') ?? '').toLowerCase();
  if (lower.includes('google-genai-sdk') || lower.includes('genai-js') || googClient.includes('google-genai-sdk') || googClient.includes('genai-js') || lower.includes('google-generativeai')) {
    return info('google-sdk', 'Google GenAI SDK', versionAfter(googClient || lower, 'google-genai-sdk/') ?? versionAfter(googClient || lower, 'genai-js/'));
  }

  // MCP clients built on the SDKs send the MCP protocol headers — except on their very first
  // request (initialize), which has only the Streamable HTTP Accept shape; without it the
  // initialize of a session would be filed under another client than the rest of it.
  const accept = (get(headers, 'accept') ?? '').toLowerCase();
  const streamableShape = accept.includes('application/json') && accept.includes('text/event-stream') && (lower === '' || lower === 'node' || lower.startsWith('node-fetch') || lower.startsWith('undici'));
  if (get(headers, 'mcp-protocol-version') !== undefined || get(headers, 'mcp-session-id') !== undefined || lower.includes('modelcontextprotocol') || lower.includes('mcp-remote') || streamableShape) {
    return info('mcp-sdk', 'MCP client', get(headers, 'mcp-protocol-version'));
  }

  // Generic HTTP clients.
  if (lower.startsWith('python-requests/') || lower.startsWith('python-httpx/') || lower.startsWith('python-urllib') || lower.includes('aiohttp/')) {
    return info('python', 'Python', versionAfter(ua, '/'));
  }
  if (lower.startsWith('curl/')) return info('curl', 'curl', versionAfter(ua, 'curl/'));
  return info('unknown', 'Unknown', undefined);
}
