import type { Finding, GuardAction, Severity } from '../pipeline/action.js';
import { commandName, splitCommands, MAX_COMMAND_CHARS, type Segment } from './shell-words.js';
import { clipEvidence, collectStrings } from './strings.js';
import type { Detector } from './types.js';

interface Hit {
  id: string;
  severity: Severity;
  message: string;
}

/**
 * Build output and caches a copilot routinely wipes. `rm -rf node_modules` (relative, no
 * glob, no ..) is reported as low so the default policy lets it run: asking every time a
 * copilot cleans a build folder teaches users to click Allow without reading.
 */
const BUILD_DIRS = new Set([
  'node_modules', 'dist', 'build', 'out', '.next', '.nuxt', '.svelte-kit', 'target', 'coverage', '__pycache__',
  '.cache', '.turbo', '.parcel-cache', '.pytest_cache', '.mypy_cache', '.ruff_cache', '.gradle', 'obj', '.tox', 'tmp',
]);

function classifyRmTarget(target: string): Severity {
  const t = target.replace(/\\/g, '/');
  if (/^(?:\/|\/\*|~|~\/|~\/\*|\*|\.|\.\/|\.\/\*|\.\.|\.\.\/?\*?|\$\{?HOME\}?\/?\*?|[A-Za-z]:\/?\*?)$/.test(t)) return 'critical';
  if (/^\/[^/]+\/?\*?$/.test(t)) return 'critical'; // a top-level system folder: /etc, /usr, /home
  if (/^(?:~|\$\{?HOME\}?)\/[^/]+\/?$/.test(t)) return 'high';
  if (/^\/tmp\/./.test(t)) return 'low';
  const relative = !/^[/~$]/.test(t) && !/^[A-Za-z]:/.test(t);
  const segments = t.split('/').filter((s) => s && s !== '.');
  if (relative && !/[*?[\]{}]/.test(t) && !segments.includes('..') && segments.length > 0 && BUILD_DIRS.has(segments[segments.length - 1])) return 'low';
  return 'high';
}

function flagsOf(words: string[]): { short: Set<string>; long: Set<string>; operands: string[] } {
  const short = new Set<string>();
  const long = new Set<string>();
  const operands: string[] = [];
  let endOfOptions = false;
  for (const w of words) {
    if (!endOfOptions && w === '--') { endOfOptions = true; continue; }
    if (!endOfOptions && w.startsWith('--')) long.add(w.slice(2).split('=')[0].toLowerCase());
    else if (!endOfOptions && w.startsWith('-') && w.length > 1) for (const c of w.slice(1)) short.add(c);
    else operands.push(w);
  }
  return { short, long, operands };
}

const worst = (a: Severity, b: Severity): Severity => {
  const order: Severity[] = ['low', 'medium', 'high', 'critical'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
};

function judgeSegment(seg: Segment, prev: Segment | undefined): Hit[] {
  const hits: Hit[] = [];
  const [first, ...args] = seg.words;
  const cmd = commandName(first);
  const { short, long, operands } = flagsOf(args);
  const sub = operands[0]?.toLowerCase();

  switch (cmd) {
    case 'rm': {
      const recursive = short.has('r') || short.has('R') || long.has('recursive');
      const force = short.has('f') || long.has('force');
      if (recursive && force) {
        let sev: Severity = operands.length === 0 ? 'high' : 'low';
        for (const t of operands) sev = worst(sev, classifyRmTarget(t));
        hits.push({ id: 'rm-rf', severity: sev, message: `Deletes files recursively without asking (rm -rf ${operands.join(' ')}).` });
      } else if (recursive) {
        hits.push({ id: 'rm-r', severity: 'medium', message: 'Deletes a folder and everything in it (rm -r).' });
      }
      break;
    }
    case 'git': {
      if (sub === 'push' && (short.has('f') || long.has('force') || long.has('mirror') || long.has('delete') || operands.some((o) => o.startsWith('+')))) {
        hits.push({ id: 'git-push-force', severity: 'high', message: 'Rewrites or deletes history on a remote (git push --force).' });
      } else if (sub === 'push' && long.has('force-with-lease')) {
        hits.push({ id: 'git-push-force', severity: 'medium', message: 'Rewrites history on a remote (git push --force-with-lease).' });
      }
      if (sub === 'reset' && long.has('hard')) hits.push({ id: 'git-reset-hard', severity: 'high', message: 'Throws away uncommitted work (git reset --hard).' });
      if (sub === 'clean' && (short.has('f') || long.has('force')) && (short.has('d') || short.has('x') || short.has('X'))) {
        hits.push({ id: 'git-clean', severity: 'high', message: 'Deletes untracked files and folders (git clean -fdx).' });
      }
      if ((sub === 'checkout' || sub === 'restore') && operands.slice(1).some((o) => o === '.' || o === '*')) {
        hits.push({ id: 'git-discard', severity: 'medium', message: 'Discards uncommitted changes in the working tree.' });
      }
      if (sub === 'branch' && (short.has('D') || (long.has('delete') && long.has('force')))) hits.push({ id: 'git-branch-delete', severity: 'medium', message: 'Force-deletes a branch (git branch -D).' });
      if (sub === 'filter-branch' || sub === 'filter-repo') hits.push({ id: 'git-rewrite', severity: 'high', message: 'Rewrites the repository history.' });
      if (sub === 'stash' && (operands[1] === 'clear' || operands[1] === 'drop')) hits.push({ id: 'git-stash-drop', severity: 'medium', message: 'Throws away stashed work.' });
      break;
    }
    case 'dd':
      if (args.some((a) => /^of=\/dev\//.test(a))) hits.push({ id: 'dd-device', severity: 'critical', message: 'Writes raw data onto a disk device (dd of=/dev/...).' });
      break;
    case 'chmod':
      if ((short.has('R') || long.has('recursive')) && operands.some((o) => /^(?:0?777|a\+rwx|ugo\+rwx)$/.test(o))) {
        hits.push({ id: 'chmod-777', severity: operands.some((o) => classifyRmTarget(o) === 'critical') ? 'critical' : 'high', message: 'Makes files writable by everyone, recursively (chmod -R 777).' });
      }
      break;
    case 'chown':
      if (short.has('R') || long.has('recursive')) hits.push({ id: 'chown-recursive', severity: 'medium', message: 'Changes the owner of a whole folder tree (chown -R).' });
      break;
    case 'sudo':
    case 'doas':
      hits.push({ id: 'sudo', severity: 'medium', message: 'Runs a command with administrator rights (sudo).' });
      break;
    case 'kill':
      if (short.has('9') || args.some((a) => /^-(?:s\s*)?(?:KILL|SIGKILL)$/i.test(a))) hits.push({ id: 'kill-9', severity: 'medium', message: 'Kills processes without letting them clean up (kill -9).' });
      break;
    case 'killall':
    case 'pkill':
      hits.push({ id: 'killall', severity: 'medium', message: `Kills processes by name (${cmd}).` });
      break;
    case 'shutdown':
    case 'reboot':
    case 'halt':
    case 'poweroff':
      hits.push({ id: 'shutdown', severity: 'high', message: `Shuts down or restarts the computer (${cmd}).` });
      break;
    case 'format':
      if (operands.some((o) => /^[A-Za-z]:$/.test(o))) hits.push({ id: 'format-drive', severity: 'critical', message: 'Formats a drive.' });
      break;
    case 'diskpart':
    case 'fdisk':
    case 'parted':
    case 'wipefs':
      hits.push({ id: 'disk-partition', severity: 'critical', message: `Changes disk partitions (${cmd}).` });
      break;
    case 'shred':
      hits.push({ id: 'shred', severity: 'high', message: 'Destroys file contents beyond recovery (shred).' });
      break;
    case 'del':
    case 'erase':
    case 'rd':
    case 'rmdir':
      if (args.some((a) => /^\/[sq]$/i.test(a))) hits.push({ id: 'del-recursive', severity: 'high', message: `Deletes files recursively (${cmd} /s).` });
      break;
    case 'remove-item':
      if (args.some((a) => /^-recurse$/i.test(a)) && args.some((a) => /^-force$/i.test(a))) hits.push({ id: 'rm-rf', severity: 'high', message: 'Deletes files recursively without asking (Remove-Item -Recurse -Force).' });
      break;
    case 'find':
      if (args.includes('-delete') || (args.includes('-exec') && args.some((a) => commandName(a) === 'rm'))) hits.push({ id: 'find-delete', severity: 'high', message: 'Deletes every file a search matches (find -delete).' });
      break;
    case 'terraform':
    case 'tofu':
      if (sub === 'destroy' || (sub === 'apply' && long.has('destroy'))) hits.push({ id: 'infra-destroy', severity: 'high', message: 'Destroys cloud infrastructure (terraform destroy).' });
      break;
    case 'kubectl':
      if (sub === 'delete') hits.push({ id: 'infra-destroy', severity: 'high', message: 'Deletes Kubernetes resources (kubectl delete).' });
      break;
    case 'docker':
    case 'podman':
      if ((sub === 'system' || sub === 'volume' || sub === 'image') && operands[1] === 'prune') hits.push({ id: 'docker-prune', severity: 'medium', message: `Deletes ${sub === 'volume' ? 'volumes and their data' : 'containers and images'} (${cmd} ${sub} prune).` });
      break;
    case 'aws':
      if (sub === 's3' && (operands[1] === 'rm' || operands[1] === 'rb') && long.has('recursive')) hits.push({ id: 'cloud-delete', severity: 'high', message: 'Deletes a whole S3 prefix or bucket.' });
      break;
  }
  if (/^mkfs(?:\.|$)/.test(cmd)) hits.push({ id: 'mkfs', severity: 'critical', message: 'Formats a disk (mkfs).' });

  // curl ... | sh: runs whatever a server sends, unseen.
  const runsInput = ['sh', 'bash', 'zsh', 'dash', 'ksh', 'python', 'python3', 'perl', 'ruby', 'node', 'iex', 'invoke-expression', 'pwsh', 'powershell'];
  if (seg.piped && prev && runsInput.includes(cmd)) {
    const src = commandName(prev.words[0]);
    if (['curl', 'wget', 'iwr', 'invoke-webrequest', 'irm', 'invoke-restmethod', 'fetch'].includes(src)) {
      hits.push({ id: 'curl-pipe-shell', severity: 'high', message: `Downloads a script and runs it unseen (${src} | ${cmd}).` });
    }
  }
  return hits;
}

const SQL_DROP = /\b(?:drop)\s{1,20}(?:table|database|schema|view|index|collection)\b/gi;
const SQL_TRUNCATE = /\btruncate\s{1,20}(?:table\s{1,20})?[A-Za-z_"`[]/gi;
// Unbounded runs over classes that exclude what follows them stay linear; large counted
// repeats ({1,128}) would be unrolled by V8 into slow interpreted code.
const SQL_DELETE = /\bdelete\s+from\s+[A-Za-z0-9_."`[\]]/gi;
const SQL_UPDATE = /\bupdate\s+[A-Za-z0-9_."`[\]]+\s+set\b/gi;
const DEVICE_WRITE = />\s{0,3}\/dev\/(?:sd[a-z]|nvme\d|disk\d|hd[a-z]|mmcblk\d)/;
const FORK_BOMB = /:\s{0,3}\(\s{0,3}\)\s{0,3}\{\s{0,3}:\s{0,3}\|\s{0,3}:\s{0,3}&/;
const PROCESS_SUBST_DOWNLOAD = /<\(\s{0,3}(?:curl|wget)\b/;

/** Commands judged per string: a script longer than this is judged on its start. */
const MAX_SEGMENTS = 1000;

/** Statement text after a match, up to the next ';' (bounded), to look for WHERE. */
function statementRest(text: string, from: number): string {
  const end = text.indexOf(';', from);
  return text.slice(from, end === -1 ? Math.min(text.length, from + 4000) : Math.min(end, from + 4000));
}

function judgeText(text: string): Hit[] {
  const hits: Hit[] = [];
  const src = text.length > MAX_COMMAND_CHARS ? text.slice(0, MAX_COMMAND_CHARS) : text;
  if (SQL_DROP.test(src)) hits.push({ id: 'sql-drop', severity: 'high', message: 'Drops a database object (DROP TABLE/DATABASE).' });
  SQL_DROP.lastIndex = 0;
  if (SQL_TRUNCATE.test(src)) hits.push({ id: 'sql-truncate', severity: 'high', message: 'Empties a table (TRUNCATE).' });
  SQL_TRUNCATE.lastIndex = 0;
  for (const [re, id, what] of [[SQL_DELETE, 'sql-delete-all', 'Deletes every row of a table (DELETE without WHERE).'], [SQL_UPDATE, 'sql-update-all', 'Changes every row of a table (UPDATE without WHERE).']] as const) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(src)) !== null) {
      if (!/\bwhere\b/i.test(statementRest(src, m.index + m[0].length))) {
        hits.push({ id, severity: id === 'sql-delete-all' ? 'high' : 'medium', message: what });
        break;
      }
    }
    re.lastIndex = 0;
  }
  if (DEVICE_WRITE.test(src)) hits.push({ id: 'device-write', severity: 'critical', message: 'Writes directly onto a disk device.' });
  if (FORK_BOMB.test(src)) hits.push({ id: 'fork-bomb', severity: 'critical', message: 'A fork bomb: it would freeze the computer.' });
  if (PROCESS_SUBST_DOWNLOAD.test(src)) hits.push({ id: 'curl-pipe-shell', severity: 'high', message: 'Downloads a script and runs it unseen.' });
  const segs = splitCommands(src, MAX_SEGMENTS);
  for (let i = 0; i < segs.length; i++) hits.push(...judgeSegment(segs[i], segs[i - 1]));
  return hits;
}

/** Destructive shell commands and SQL in tool arguments. */
export function destructiveCommandsDetector(): Detector {
  return {
    name: 'destructive-command',
    appliesTo: ['mcp.tool_call', 'llm.tool_use'],
    detect(action: GuardAction): Finding[] {
      if (action.phase === 'response') return [];
      const findings: Finding[] = [];
      const seen = new Set<string>();
      for (const s of collectStrings(action.arguments)) {
        for (const h of judgeText(s.text)) {
          const key = `${h.id}\u0000${s.where}`;
          if (seen.has(key)) continue;
          seen.add(key);
          findings.push({ detector: 'destructive-command', severity: h.severity, ruleId: h.id, where: s.where, evidence: clipEvidence(s.text), message: h.message });
        }
      }
      return findings;
    },
  };
}

export { judgeText as findDestructive };
