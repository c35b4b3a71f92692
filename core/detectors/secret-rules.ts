/**
 * Secret patterns (after gitleaks' public rule set) and a scanner for untrusted text.
 *
 * The text scanned here comes from copilots, models and MCP servers, so a hostile
 * string must not be able to stall the guard. JavaScript regexes backtrack, so every
 * rule is written to stay linear:
 * - no quantifier is nested inside another, and large counted repeats ({10,4096}) are
 *   avoided: V8 unrolls them into code big enough to drop to its slow interpreter;
 * - each rule starts with a lookbehind that refuses to start inside a run of the
 *   characters its body uses, so a long run of token characters is tried from one
 *   place only, not from each of its positions;
 * - the body's character classes never contain the separator that follows them, so a
 *   failed match backtracks over one run once.
 * Private key blocks are found with plain string search, not a regex.
 * Input is capped: only the first SECRET_SCAN_LIMIT characters of a call are scanned
 * (`scanTruncated(text)` says when that happened, so callers can report it).
 */

export interface SecretRule {
  id: string;
  description: string;
  /** Must carry the `g` and `d` flags; a named group `secret` narrows the match to the value. */
  pattern: RegExp;
  /** Extra check on the matched value (e.g. entropy for the generic rule). */
  accept?: (value: string) => boolean;
  /**
   * Literal strings one of which every match contains (lower case when the rule is
   * case-insensitive): a rule whose hints are all absent is skipped without running its
   * regex, which keeps the common no-secret text cheap.
   */
  hints?: string[];
}

export interface SecretMatch {
  ruleId: string;
  description: string;
  /** Offsets into the scanned text: text.slice(start, end) === value. */
  start: number;
  end: number;
  /** The secret itself. Never log or store it; use maskSecret() for display. */
  value: string;
}

/** Characters scanned per call. Larger texts are scanned up to this point only. */
export const SECRET_SCAN_LIMIT = 2 * 1024 * 1024;

// Not a token character on the left: the rule may start here.
const L = '(?<![A-Za-z0-9_\\-])';
// Not a token character on the right: the token ended.
const R = '(?![A-Za-z0-9_\\-])';

function rule(id: string, description: string, source: string, flags = '', accept?: (v: string) => boolean): SecretRule {
  return { id, description, pattern: new RegExp(source, `gd${flags}`), accept, hints: HINTS[id] };
}

const HINTS: Record<string, string[]> = {
  'aws-access-key': ['A3T', 'AKIA', 'ASIA', 'ABIA', 'ACCA'],
  'aws-secret-key': ['aws'],
  'github-pat': ['ghp_'],
  'github-fine-grained-pat': ['github_pat_'],
  'github-oauth': ['gho_'],
  'github-app-token': ['ghu_', 'ghs_', 'ghr_'],
  'gitlab-pat': ['glpat-'],
  'anthropic-api-key': ['sk-ant-'],
  'anthropic-admin-key': ['sk-ant-'],
  'anthropic-key': ['sk-ant-'],
  'openai-project-key': ['sk-'],
  'openai-legacy-key': ['T3BlbkFJ'],
  'openai-key': ['sk-'],
  'google-api-key': ['AIza'],
  'slack-token': ['xox'],
  'slack-webhook': ['hooks.slack.com'],
  'stripe-key': ['sk_', 'rk_'],
  'npm-token': ['npm_'],
  'huggingface-token': ['hf_'],
  'huggingface-org-token': ['api_org_'],
  jwt: ['eyJ'],
  'generic-secret': ['key', 'secret', 'token', 'passw', 'pwd', 'credential'],
};

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

// Values people write in docs and config templates, which look like secrets to a regex.
/** Longest value the generic rule accepts: longer runs are data (base64 blobs, hashes of files), not keys. */
const GENERIC_MAX = 256;

const PLACEHOLDER = /^(?:x+|\*+|\.+|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\})$|your|example|placeholder|changeme|redacted|dummy|sample|xxxx|\*\*\*\*|process\.env|os\.environ|getenv/i;

function looksRandom(value: string): boolean {
  if (value.length > GENERIC_MAX || PLACEHOLDER.test(value)) return false;
  // A real secret mixes letters and digits; long words and identifiers do not.
  const hasDigit = /[0-9]/.test(value);
  const hasLetter = /[A-Za-z]/.test(value);
  if (!hasDigit || !hasLetter) return false;
  return shannonEntropy(value) >= 3.5;
}

export const SECRET_RULES: readonly SecretRule[] = [
  rule('aws-access-key', 'AWS access key id', `${L}(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])`),
  rule(
    'aws-secret-key',
    'AWS secret access key',
    `(?<![A-Za-z0-9])aws_?(?:secret)?_?(?:access)?_?key["']?\\s{0,4}(?:=|:|=>)\\s{0,4}["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
    'i',
    looksRandom,
  ),
  rule('github-pat', 'GitHub personal access token', `${L}ghp_[0-9a-zA-Z]{36}${R}`),
  rule('github-fine-grained-pat', 'GitHub fine-grained personal access token', `${L}github_pat_[0-9a-zA-Z_]{82}${R}`),
  rule('github-oauth', 'GitHub OAuth token', `${L}gho_[0-9a-zA-Z]{36}${R}`),
  rule('github-app-token', 'GitHub app token', `${L}gh[usr]_[0-9a-zA-Z]{36}${R}`),
  rule('gitlab-pat', 'GitLab personal access token', `${L}glpat-[0-9a-zA-Z_\\-]{20}${R}`),
  rule('anthropic-api-key', 'Anthropic API key', `${L}sk-ant-api03-[A-Za-z0-9_\\-]{93}AA${R}`),
  rule('anthropic-admin-key', 'Anthropic admin key', `${L}sk-ant-admin01-[A-Za-z0-9_\\-]{93}AA${R}`),
  // Key formats change; anything that starts like an Anthropic key is treated as one.
  rule('anthropic-key', 'Anthropic key', `${L}sk-ant-[a-z]{3,8}[0-9]{2}-[A-Za-z0-9_\\-]{32,}${R}`),
  rule('openai-project-key', 'OpenAI API key', `${L}sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\\-]{40,}${R}`),
  rule('openai-legacy-key', 'OpenAI API key', `${L}sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}${R}`),
  rule('openai-key', 'OpenAI API key', `${L}sk-[A-Za-z0-9]{48}${R}`),
  rule('google-api-key', 'Google API key', `${L}AIza[0-9A-Za-z_\\-]{35}${R}`),
  rule('slack-token', 'Slack token', `${L}xox[abposre]-[0-9A-Za-z\\-]{10,}${R}`),
  rule(
    'slack-webhook',
    'Slack webhook URL',
    '(?<![A-Za-z0-9.\\-])(?:https?://)?hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,}(?![A-Za-z0-9+/])',
  ),
  rule('stripe-key', 'Stripe API key', `${L}(?:sk|rk)_(?:test|live|prod)_[0-9a-zA-Z]{10,}${R}`),
  rule('npm-token', 'npm access token', `${L}npm_[A-Za-z0-9]{36}${R}`),
  rule('huggingface-token', 'Hugging Face access token', `${L}hf_[a-zA-Z]{34}${R}`),
  rule('huggingface-org-token', 'Hugging Face organisation token', `${L}api_org_[a-zA-Z]{34}${R}`),
  rule(
    'jwt',
    'JSON Web Token',
    `${L}eyJ[A-Za-z0-9_\\-]{10,}\\.eyJ[A-Za-z0-9_\\-]{10,}\\.[A-Za-z0-9_\\-]{10,}${R}`,
  ),
  // A keyword (key, secret, token, password...) in a name, an assignment, then a value
  // that looks random. The name part is bounded; the value must pass looksRandom().
  rule(
    'generic-secret',
    'Secret assigned to a key, token or password',
    '(?:api[_\\-.]?key|secret|token|passw(?:or)?d|pwd|credential|auth[_\\-.]?key|access[_\\-.]?key|private[_\\-.]?key)' +
      '[A-Za-z0-9_.\\-]{0,30}\\\\?["\']?\\s{0,4}(?:=|:=|:|=>)\\s{0,4}(?:["\'`]|\\\\")?' +
      // The lookahead takes the value atomically (no backtracking into it); padding '='
      // is outside the run so "token=token=..." cannot chain.
      '(?=(?<v>[A-Za-z0-9_\\-+/.~]{16,}={0,2}))(?<secret>\\k<v>)(?![A-Za-z0-9_\\-+/=.~])',
    'i',
    looksRandom,
  ),
];

const PRIVATE_KEY_HEADER = /-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
const PRIVATE_KEY_SPAN = 16 * 1024;

/** Private key blocks: header regex, then a string search for the footer (linear). */
function findPrivateKeys(text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  PRIVATE_KEY_HEADER.lastIndex = 0;
  let m: RegExpExecArray | null;
  // The next footer at or after the current position; searched again only once passed,
  // so many headers without footers cost one pass, not one pass each.
  let footer = -2;
  while ((m = PRIVATE_KEY_HEADER.exec(text)) !== null) {
    const start = m.index;
    const bodyStart = start + m[0].length;
    if (footer !== -1 && footer < bodyStart) footer = text.indexOf('-----END ', bodyStart);
    let end: number;
    if (footer !== -1 && footer - bodyStart <= PRIVATE_KEY_SPAN) {
      const close = text.indexOf('-----', footer + 9);
      end = close !== -1 && close - footer < 64 ? close + 5 : footer + 9;
    } else {
      // No footer (truncated or split key): take the base64 body that follows, so a
      // redaction still removes the key material.
      end = bodyStart;
      const limit = Math.min(text.length, bodyStart + PRIVATE_KEY_SPAN);
      while (end < limit && /[A-Za-z0-9+/=\s\\]/.test(text[end])) end++;
    }
    out.push({ ruleId: 'private-key', description: 'Private key', start, end, value: text.slice(start, end) });
    PRIVATE_KEY_HEADER.lastIndex = Math.max(end, PRIVATE_KEY_HEADER.lastIndex);
  }
  return out;
}

/** True when findSecrets(text) scanned only a prefix of the text. */
export function scanTruncated(text: string): boolean {
  return text.length > SECRET_SCAN_LIMIT;
}

/**
 * Every secret in `text` (the first SECRET_SCAN_LIMIT characters), sorted by position,
 * without overlaps: where two rules match the same place, the more specific rule (the
 * earlier one in SECRET_RULES) wins.
 */
export function findSecrets(text: string): SecretMatch[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const scanned = text.length > SECRET_SCAN_LIMIT ? text.slice(0, SECRET_SCAN_LIMIT) : text;
  const found: { match: SecretMatch; priority: number }[] = [];
  for (const m of findPrivateKeys(scanned)) found.push({ match: m, priority: -1 });
  let lower: string | undefined;
  // A plain loop: this runs for every text of every request, and `flags` builds a string.
  for (let priority = 0; priority < SECRET_RULES.length; priority++) {
    const r = SECRET_RULES[priority];
    if (r.hints) {
      const haystack = r.pattern.ignoreCase ? (lower ??= scanned.toLowerCase()) : scanned;
      let hinted = false;
      for (const h of r.hints) if ((hinted = haystack.includes(h))) break;
      if (!hinted) continue;
    }
    r.pattern.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = r.pattern.exec(scanned)) !== null) {
      const span = m.indices?.groups?.secret ?? m.indices?.[0];
      if (!span) break;
      const [start, end] = span;
      const value = scanned.slice(start, end);
      if (!r.accept || r.accept(value)) {
        found.push({ match: { ruleId: r.id, description: r.description, start, end, value }, priority });
      }
      if (m[0].length === 0) r.pattern.lastIndex++;
    }
  }
  found.sort((a, b) => a.match.start - b.match.start || a.priority - b.priority || b.match.end - a.match.end);
  const out: SecretMatch[] = [];
  let lastEnd = -1;
  for (const { match } of found) {
    if (match.start < lastEnd) continue;
    out.push(match);
    lastEnd = match.end;
  }
  return out;
}

/** A form of a secret safe to show a human or keep in a log: its public prefix and length. */
export function maskSecret(value: string): string {
  const keep = Math.min(7, Math.floor(value.length / 4));
  const tail = value.length >= 32 ? value.slice(-2) : '';
  return `${value.slice(0, keep)}…${tail} (${value.length} chars)`;
}

/** Replaces every secret found in `text` with a placeholder naming its rule. */
export function redactSecrets(text: string, placeholder = (m: SecretMatch) => `[REDACTED:${m.ruleId}]`): string {
  const matches = findSecrets(text);
  if (matches.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + placeholder(m);
    at = m.end;
  }
  return out + text.slice(at);
}
