import type { Finding, GuardAction, Severity } from '../pipeline/action.js';
import { clipEvidence } from './strings.js';
import type { Detector } from './types.js';

/** Characters scanned per text; injections that matter sit where a model reads first. */
export const INJECTION_SCAN_LIMIT = 256 * 1024;
const MAX_TEXTS = 500;

interface Phrase {
  id: string;
  severity: Severity;
  what: string;
  re: RegExp;
  /** Phrases with gaps: where a match can start and the words it must end on (see findPhrase). */
  window?: { opening: RegExp; closing: RegExp; sticky: RegExp };
}

// Tested against text lower-cased with runs of whitespace collapsed to one space. Every
// gap between words is bounded ({0,40}) so a hostile text cannot make these backtrack.
const W = '[^.!?\\n]{0,40}';

/** Words joined by bounded gaps: `parts[0]` opens the phrase, the last part closes it. */
function gapped(id: string, severity: Severity, what: string, parts: string[]): Phrase {
  const source = parts.join(W);
  return {
    id,
    severity,
    what,
    re: new RegExp(source),
    window: { opening: new RegExp(parts[0], 'g'), closing: new RegExp(parts[parts.length - 1], 'g'), sticky: new RegExp(source, 'y') },
  };
}

/** Exported for tests: each is searched with findPhrase. */
export const PHRASES: readonly Phrase[] = [
  gapped('override', 'high', 'tells the model to ignore its instructions', ['\\b(?:ignore|disregard|forget|override|bypass|skip)\\b', '\\b(?:previous|prior|above|earlier|preceding|all|any|your|the|system|original)\\b', '\\b(?:instructions?|prompts?|rules|directions?|guidelines|guardrails|context|messages?)\\b']),
  { id: 'new-instructions', severity: 'high', what: 'gives the model new instructions', re: /\b(?:new|updated|real|actual|true|hidden|secret) (?:system )?instructions? ?:|\byour new (?:task|role|instructions?) (?:is|are)\b|\bfrom now on,? you (?:are|will|must)\b/ },
  { id: 'role-switch', severity: 'medium', what: 'tries to change who the model is', re: /\byou are now (?:a |an |in |the |my )?|\bact as (?:dan|an unrestricted|a jailbroken)\b|\bdeveloper mode (?:enabled|on)\b|\bjailbreak(?:ed)? mode\b/ },
  gapped('conceal', 'high', 'asks the model to hide something from the user', ["\\b(?:do not|don't|never|without)\\b", '\\b(?:tell|telling|inform|informing|mention|mentioning|notify|notifying|alert|alerting|reveal|revealing|show|showing)\\b', '\\b(?:the )?users?\\b']),
  gapped('precondition', 'high', 'makes the tool demand a hidden first step', ['\\bbefore (?:using|calling|invoking|running) (?:this|the|any)\\b', '\\b(?:tool|function)\\b', '\\b(?:read|call|send|pass|include|fetch|open|run|first)\\b']),
  gapped('secret-grab', 'critical', 'asks for private files or credentials', ['\\b(?:read|send|pass|include|upload|post|forward|attach|copy|cat|exfiltrate|leak)\\b', '(?:~\\/\\.ssh|id_rsa|id_ed25519|\\.env\\b|\\.aws\\/credentials|mcp\\.json|private key|api keys?|passwords?|credentials|secrets?|tokens?)']),
  gapped('exfil-instruction', 'high', 'tells the model to send data somewhere', ['\\b(?:send|forward|post|upload|email|bcc|cc)\\b', '\\b(?:all|every|the (?:entire|full|complete)|conversation|chat history|context|messages|emails|files)\\b', '\\b(?:to|at)\\b']),
  { id: 'prompt-leak', severity: 'medium', what: 'asks the model to reveal its system prompt', re: /\b(?:reveal|print|output|repeat|show|tell me) (?:your|the) (?:system prompt|initial instructions|original prompt|hidden instructions)\b/ },
  { id: 'fake-markup', severity: 'high', what: 'contains markup that imitates system or priority messages', re: /<\/?(?:important|system|instructions?|admin|secret|hidden)>|\[\/?(?:inst|system)\]|<\|im_start\|>|<\|system\|>|^#{1,4} ?(?:system|instructions?)\b/m },
];

const TAG_CHARS = /[\u{E0000}-\u{E007F}]/u;
const TAG_RUN = /[\u{E0000}-\u{E007F}]+/gu;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/;
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;
const BASE64_BLOB = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{120,}={0,2}(?![A-Za-z0-9+/=])/g;

function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\u200B-\u200D\u2060\uFEFF]/g, '').replace(/\s+/g, ' ');
}

/**
 * Longer than any gapped phrase from the start of its opening words to the start of its
 * closing ones: at most 108 characters ("before invoking this", a gap, "function", a gap).
 */
const PHRASE_SPAN = 160;

/**
 * The phrase's first match in `text`, as `p.re.exec(text)` finds it. A gapped phrase is
 * tried only where it opens and its closing words follow within PHRASE_SPAN: its regex
 * run over the whole text tries both gaps' 41 lengths at every opening word, which on a
 * hostile text ("ignore all all all ..." for 220 KB) took 50 ms (bench/RESULTS.md, item 30).
 */
export function findPhrase(p: Phrase, text: string): RegExpExecArray | null {
  if (!p.window) return p.re.exec(text);
  const { opening, closing, sticky } = p.window;
  let nextClosing = -1;
  opening.lastIndex = 0;
  let o: RegExpExecArray | null;
  while ((o = opening.exec(text)) !== null) {
    if (nextClosing < o.index) {
      closing.lastIndex = o.index;
      const c = closing.exec(text);
      if (c === null) return null; // no closing words after this point: no match can start here or later
      nextClosing = c.index;
    }
    if (nextClosing - o.index > PHRASE_SPAN) continue;
    sticky.lastIndex = o.index;
    const m = sticky.exec(text);
    if (m !== null) return m;
  }
  return null;
}

/** Unicode tag characters map 1:1 onto ASCII: that is how hidden instructions are smuggled. */
export function decodeTagChars(text: string): string {
  let out = '';
  for (const m of text.matchAll(TAG_RUN)) {
    for (const ch of m[0]) {
      const cp = ch.codePointAt(0)! - 0xe0000;
      if (cp >= 0x20 && cp < 0x7f) out += String.fromCharCode(cp);
    }
    out += ' ';
  }
  return out.trim();
}

function decodeBase64(blob: string): string | undefined {
  try {
    const text = Buffer.from(blob, 'base64').toString('utf8');
    // Only text counts: binary (images, archives) decodes to control characters.
    const printable = text.replace(/[^\x20-\x7e\s]/g, '').length;
    return printable / Math.max(1, text.length) > 0.9 ? text : undefined;
  } catch {
    return undefined;
  }
}

export interface InjectionHit {
  id: string;
  severity: Severity;
  message: string;
  evidence?: string;
}

/** Every injection sign in one text. Exported for tests and for the dry-run tooling. */
export function scanForInjection(raw: string): InjectionHit[] {
  const text = raw.length > INJECTION_SCAN_LIMIT ? raw.slice(0, INJECTION_SCAN_LIMIT) : raw;
  const hits: InjectionHit[] = [];
  const norm = normalise(text);
  for (const p of PHRASES) {
    const m = findPhrase(p, norm);
    if (m) hits.push({ id: p.id, severity: p.severity, message: `Text ${p.what}.`, evidence: clipEvidence(m[0]) });
  }
  if (TAG_CHARS.test(text)) {
    const hidden = decodeTagChars(text);
    hits.push({ id: 'hidden-tag-chars', severity: 'critical', message: 'Text hides characters the user cannot see (Unicode tag characters).', evidence: hidden ? clipEvidence(`hidden text: ${hidden}`) : undefined });
    for (const inner of scanForInjection(hidden)) if (inner.id !== 'hidden-tag-chars') hits.push({ ...inner, id: `hidden-${inner.id}`, severity: 'critical' });
  }
  if (BIDI.test(text)) hits.push({ id: 'bidi-override', severity: 'high', message: 'Text uses bidirectional overrides that make it read differently than it displays.' });
  const zw = text.match(ZERO_WIDTH)?.length ?? 0;
  if (zw >= 3) hits.push({ id: 'zero-width', severity: 'medium', message: `Text contains ${zw} zero-width characters (hidden content or watermarking).` });
  BASE64_BLOB.lastIndex = 0;
  let b: RegExpExecArray | null;
  let blobs = 0;
  while ((b = BASE64_BLOB.exec(text)) !== null && blobs++ < 20) {
    const decoded = decodeBase64(b[0].slice(0, 16 * 1024));
    if (decoded === undefined) continue;
    const inner = scanForInjection(decoded.slice(0, 16 * 1024)).filter((h) => !h.id.startsWith('encoded-'));
    if (inner.length > 0) {
      for (const h of inner) hits.push({ ...h, id: `encoded-${h.id}`, severity: 'critical', message: `Base64-encoded text that ${h.message.replace(/^Text /, '').replace(/\.$/, '')}.` });
    } else {
      hits.push({ id: 'base64-blob', severity: 'low', message: 'Text carries a long base64 blob a model could be told to decode.', evidence: clipEvidence(b[0], 40) });
    }
  }
  return hits;
}

/**
 * Prompt injection and tool poisoning: instructions aimed at the model hidden in tool
 * descriptions (tools/list), server instructions, and what tools and resources return.
 * A description that carries these is worse than a result that does (a description is
 * read on every turn), so description hits keep their severity and result hits of
 * 'medium' and below are reported as they are.
 */
export function promptInjectionDetector(): Detector {
  return {
    name: 'prompt-injection',
    appliesTo: ['mcp.tools_list', 'mcp.tool_call', 'mcp.resource_read', 'mcp.prompt_get', 'mcp.initialize', 'a2a.message'],
    detect(action: GuardAction): Finding[] {
      const findings: Finding[] = [];
      const judged: { where: string; text: string }[] = [];
      for (const [i, d] of (action.toolDescriptions ?? []).slice(0, MAX_TEXTS).entries()) {
        judged.push({ where: `tools[${i}] ${clipEvidence(d.name, 60)}`, text: `${d.name}\n${d.description}` });
      }
      // Texts are only untrusted input when they come back from a server.
      if (action.phase === 'response' || action.kind === 'mcp.tools_list' || action.kind === 'mcp.initialize') {
        for (const [i, t] of (action.texts ?? []).slice(0, MAX_TEXTS).entries()) judged.push({ where: `texts[${i}]`, text: t });
      }
      for (const j of judged) {
        const seen = new Set<string>();
        for (const h of scanForInjection(j.text)) {
          if (seen.has(h.id)) continue;
          seen.add(h.id);
          findings.push({ detector: 'prompt-injection', severity: h.severity, ruleId: h.id, where: j.where, evidence: h.evidence, message: h.message });
        }
      }
      return findings;
    },
  };
}
