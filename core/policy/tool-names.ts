/**
 * What a tool's name says it does. Names are the one thing about a tool the server cannot
 * hedge with hints: `delete_file` deletes, whatever readOnlyHint claims.
 */
const RISKY = new Set([
  'delete', 'del', 'remove', 'rm', 'rmdir', 'unlink', 'destroy', 'drop', 'truncate', 'purge', 'wipe', 'erase', 'clear', 'reset',
  'write', 'edit', 'update', 'modify', 'create', 'insert', 'upsert', 'put', 'patch', 'replace', 'rename', 'move', 'mv', 'append', 'save', 'set',
  'exec', 'execute', 'run', 'shell', 'bash', 'sh', 'cmd', 'command', 'terminal', 'eval', 'spawn', 'script', 'powershell',
  'send', 'post', 'publish', 'email', 'mail', 'message', 'tweet', 'sms', 'notify', 'upload', 'share', 'invite',
  'pay', 'payment', 'transfer', 'purchase', 'buy', 'order', 'charge', 'refund', 'withdraw',
  'deploy', 'release', 'push', 'merge', 'commit', 'install', 'uninstall', 'kill', 'stop', 'restart', 'shutdown', 'approve', 'grant', 'revoke',
]);
const READ = new Set([
  'get', 'list', 'read', 'search', 'fetch', 'find', 'query', 'view', 'show', 'describe', 'lookup', 'browse', 'ls', 'cat', 'status',
  'diff', 'log', 'logs', 'info', 'inspect', 'count', 'check', 'preview', 'head', 'tail', 'grep', 'glob', 'tree', 'stat', 'explain', 'resolve',
]);

/** Splits snake_case, kebab-case, dotted and camelCase names into lower-case words. */
export function toolWords(name: string): string[] {
  return name
    .slice(0, 200)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

// Risky verbs that are also nouns: after a read verb they name what is read (get_commit, list_deploy).
const NOUNS = new Set(['commit', 'release', 'order', 'message', 'email', 'mail', 'payment', 'command', 'script', 'merge', 'deploy', 'push', 'set', 'share', 'invite', 'sms', 'tweet', 'charge', 'refund', 'install', 'update', 'log']);

/**
 * 'risky' when any word is a risky verb (a risky noun right after a leading read verb
 * does not count: get_commit reads a commit); 'read-only' when the name has a read verb
 * and nothing risky; 'unknown' otherwise.
 */
export function toolLooks(name: string | undefined): ToolLooks {
  if (!name) return 'unknown';
  // Every rule with a `toolLooks` match asks this for every call: a copilot's tool names
  // are a small set, so each is judged once (bounded, emptied when full).
  let looks = judged.get(name);
  if (looks === undefined) {
    looks = judgeToolName(name);
    if (judged.size >= 2048) judged.clear();
    judged.set(name, looks);
  }
  return looks;
}

type ToolLooks = 'risky' | 'read-only' | 'unknown';
const judged = new Map<string, ToolLooks>();

function judgeToolName(name: string): ToolLooks {
  const words = toolWords(name);
  const readFirst = words.length > 0 && READ.has(words[0]);
  if (words.some((w) => RISKY.has(w) && !(readFirst && NOUNS.has(w)))) return 'risky';
  if (words.some((w) => READ.has(w))) return 'read-only';
  return 'unknown';
}
