import path from 'node:path';
import type { Finding, GuardAction, Severity } from '../pipeline/action.js';
import { clipEvidence, collectStrings } from './strings.js';
import type { Detector, DetectorContext } from './types.js';

interface PathRule {
  id: string;
  severity: Severity;
  what: string;
  /** Tested against the normalised path: forward slashes, ~ and $HOME expanded, lower case. */
  test: RegExp;
}

// Each pattern anchors on a folder separator or the start, and uses bounded classes only.
const RULES: PathRule[] = [
  { id: 'ssh', severity: 'high', what: 'SSH keys and config', test: /(?:^|\/)\.ssh(?:\/|$)|(?:^|\/)id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?$/ },
  { id: 'aws', severity: 'high', what: 'AWS credentials', test: /(?:^|\/)\.aws\/(?:credentials|config)$|(?:^|\/)\.aws(?:\/|$)/ },
  { id: 'gcloud', severity: 'high', what: 'Google Cloud credentials', test: /(?:^|\/)\.config\/gcloud(?:\/|$)|application_default_credentials\.json$/ },
  { id: 'azure', severity: 'high', what: 'Azure credentials', test: /(?:^|\/)\.azure(?:\/|$)/ },
  { id: 'kube', severity: 'high', what: 'Kubernetes credentials', test: /(?:^|\/)\.kube\/config$/ },
  { id: 'docker-auth', severity: 'high', what: 'Docker registry credentials', test: /(?:^|\/)\.docker\/config\.json$/ },
  { id: 'package-tokens', severity: 'high', what: 'package registry tokens', test: /(?:^|\/)\.(?:npmrc|pypirc|netrc|git-credentials|yarnrc\.yml)$|(?:^|\/)\.cargo\/credentials(?:\.toml)?$|(?:^|\/)\.gem\/credentials$/ },
  { id: 'gnupg', severity: 'high', what: 'GnuPG keys', test: /(?:^|\/)\.gnupg(?:\/|$)/ },
  { id: 'key-file', severity: 'high', what: 'a private key or certificate store', test: /\.(?:pem|key|p12|pfx|jks|keystore|ppk)$/ },
  // .env files hold an app's secrets; the committed templates do not.
  { id: 'env-file', severity: 'medium', what: 'an environment file with secrets', test: /(?:^|\/)\.env(?:\.(?!example$|sample$|template$|dist$|defaults$)[a-z0-9_.-]{1,40})?$/ },
  { id: 'keychain', severity: 'high', what: 'the system keychain', test: /(?:^|\/)library\/keychains(?:\/|$)|\.keychain(?:-db)?$|(?:^|\/)\.local\/share\/keyrings(?:\/|$)|(?:^|\/)microsoft\/(?:credentials|protect)(?:\/|$)/ },
  { id: 'browser-profile', severity: 'high', what: 'a browser profile (cookies, saved passwords)', test: /(?:^|\/)(?:google\/chrome|google-chrome|chromium|bravesoftware|microsoft\/edge|microsoft-edge|mozilla\/firefox|\.mozilla\/firefox|vivaldi|opera software|application support\/firefox)(?:\/|$)|(?:^|\/)(?:login data|cookies|web data)$/ },
  { id: 'system-secrets', severity: 'critical', what: 'system password files', test: /^\/etc\/(?:shadow|gshadow|sudoers)(?:$|\.d(?:\/|$))|^\/etc\/master\.passwd$/ },
  { id: 'shell-history', severity: 'medium', what: 'shell history (often holds pasted secrets)', test: /(?:^|\/)\.(?:bash|zsh|sh|python|node_repl|psql|mysql)_history$/ },
  { id: 'cloud-tokens', severity: 'high', what: 'CLI login tokens', test: /(?:^|\/)\.config\/(?:gh\/hosts\.yml|hub|op|doctl)(?:\/|$)|(?:^|\/)\.terraform\.d\/credentials\.tfrc\.json$/ },
];

const WRITE_WORDS = /(?:^|[_\-.])(?:write|edit|create|save|put|update|append|patch|move|mv|rename|copy|cp|delete|remove|rm|mkdir|touch|upload)(?:$|[_\-.])/i;
const PATH_KEYS = /^(?:path|paths|file|files|filename|file_path|filepath|target|target_file|destination|dest|to|dir|directory|source|src|uri)$/i;

/** Forward slashes, ~ and $HOME expanded, lower case, file:// stripped. */
export function normalisePath(raw: string, homeDir: string): string {
  let p = raw.trim();
  if (p.startsWith('file://')) {
    try { p = decodeURIComponent(new URL(p).pathname); } catch { p = p.slice(7); }
  }
  const home = homeDir.replace(/\\/g, '/');
  p = p.replace(/\\/g, '/');
  p = p.replace(/^~(?=\/|$)/, home).replace(/^\$\{?HOME\}?(?=\/|$)/, home).replace(/^%USERPROFILE%(?=\/|$)/i, home);
  return p.toLowerCase();
}

/** Candidate paths in a string: the whole string when short and path-like, else its path-looking words. */
function candidates(text: string): string[] {
  if (text.length <= 1024 && !/\s/.test(text.trim())) return [text];
  const out: string[] = [];
  const src = text.length > 64 * 1024 ? text.slice(0, 64 * 1024) : text;
  for (const word of src.split(/[\s"'`<>|;&(),=]+/)) {
    if (word.length > 1 && word.length <= 1024 && /[/\\~]|^\.env/.test(word)) out.push(word);
    if (out.length >= 500) break;
  }
  return out;
}

/**
 * Sensitive files (keys, cloud credentials, keychains, browser profiles, .env) named in
 * tool arguments or resource URIs, Belay's own data folder, and writes outside the
 * project folder when the door knows it.
 */
export function sensitivePathsDetector(): Detector {
  return {
    name: 'sensitive-path',
    appliesTo: ['mcp.tool_call', 'llm.tool_use', 'mcp.resource_read'],
    detect(action: GuardAction, ctx: DetectorContext): Finding[] {
      if (action.phase === 'response') return [];
      const findings: Finding[] = [];
      const seen = new Set<string>();
      const sources = collectStrings(action.arguments);
      if (action.uri) sources.push({ where: 'uri', key: 'uri', text: action.uri });
      const belayHome = ctx.belayHome ? ctx.belayHome.replace(/\\/g, '/').toLowerCase() : undefined;
      const writes = action.tool ? WRITE_WORDS.test(action.tool) : false;
      const root = action.projectRoot ? path.resolve(action.projectRoot) : undefined;
      for (const s of sources) {
        for (const raw of candidates(s.text)) {
          const p = normalisePath(raw, ctx.homeDir);
          const add = (id: string, severity: Severity, message: string) => {
            const key = `${id}\u0000${s.where}`;
            if (seen.has(key)) return;
            seen.add(key);
            findings.push({ detector: 'sensitive-path', severity, ruleId: id, where: s.where, evidence: clipEvidence(raw), message });
          };
          if (belayHome && (p === belayHome || p.startsWith(`${belayHome}/`))) {
            add('belay-data', 'critical', "Touches Belay's own data folder (its CA key, token and audit log).");
          }
          for (const r of RULES) if (r.test.test(p)) add(r.id, r.severity, `Touches ${r.what} (${clipEvidence(raw, 80)}).`);
          if (writes && root && PATH_KEYS.test(s.key) && (path.isAbsolute(raw) || raw.startsWith('~') || raw.includes('..'))) {
            const abs = path.resolve(root, raw.replace(/^~(?=[/\\]|$)/, ctx.homeDir));
            const rel = path.relative(root, abs);
            if (rel.startsWith('..') || path.isAbsolute(rel)) add('outside-project', 'medium', `Writes outside the project folder (${clipEvidence(raw, 80)}).`);
          }
        }
      }
      return findings;
    },
  };
}
