import type { Finding, GuardAction, Severity } from '../pipeline/action.js';
import { clipEvidence, collectStrings } from './strings.js';
import type { Detector } from './types.js';

/** Paste sites, file drops and request catchers: places data goes to be picked up by someone else. */
export const PASTE_HOSTS = [
  'pastebin.com', 'paste.ee', 'hastebin.com', 'hastebin.skyra.pw', 'ghostbin.com', 'ghostbin.co', 'dpaste.com', 'dpaste.org',
  'paste.rs', 'ix.io', 'sprunge.us', 'termbin.com', 'controlc.com', 'rentry.co', 'rentry.org', 'privatebin.net', 'justpaste.it',
  'transfer.sh', 'file.io', '0x0.st', 'tmpfiles.org', 'catbox.moe', 'litterbox.catbox.moe', 'gofile.io', 'anonfiles.com', 'bashupload.com',
  'webhook.site', 'requestbin.com', 'requestcatcher.com', 'beeceptor.com', 'pipedream.net', 'hookbin.com', 'ngrok.io', 'ngrok-free.app',
  'ngrok.app', 'trycloudflare.com', 'loca.lt', 'serveo.net', 'interact.sh', 'oast.fun', 'oast.pro', 'oast.live', 'oast.site', 'oast.online',
  'oast.me', 'burpcollaborator.net', 'oastify.com', 'canarytokens.com', 'dnslog.cn', 'pastebin.pl', 'paste.mozilla.org',
];

export interface ExfiltrationOptions {
  /** Hosts tool arguments may name freely (globs like *.github.com). Empty: no allow list, only known drop sites are flagged. */
  allowHosts?: string[];
}

// Scheme, a run of host characters, then the rest of the URL: nothing follows the last
// run, so a failed match never backtracks (linear).
const URL_RE = /\b(?:https?|wss?|ftp):\/\/([A-Za-z0-9.\-_[\]:@]+)([^\s"'<>`]*)/gi;

export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase();
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return h === p.slice(2) || h.endsWith(p.slice(1));
  return h === p || h.endsWith(`.${p}`);
}

function hostOf(authority: string): string {
  const noUser = authority.slice(authority.lastIndexOf('@') + 1);
  if (noUser.startsWith('[')) return noUser.slice(0, noUser.indexOf(']') + 1);
  return noUser.split(':')[0].replace(/\.$/, '').toLowerCase();
}

const isIp = (h: string) => /^\d{1,3}(?:\.\d{1,3}){3}$/.test(h) || h.startsWith('[');
const isLocal = (h: string) => h === 'localhost' || h === '127.0.0.1' || h === '[::1]' || h.endsWith('.localhost') || h.endsWith('.local');

/**
 * Data leaving through tool arguments: URLs to paste sites and request catchers, to bare
 * IP addresses, to hosts outside the allow list (when one is set), and URLs carrying a
 * long query string (data smuggled in the URL).
 */
export function exfiltrationDetector(opts: ExfiltrationOptions = {}): Detector {
  const allow = opts.allowHosts ?? [];
  return {
    name: 'exfiltration',
    appliesTo: ['mcp.tool_call', 'llm.tool_use', 'http'],
    detect(action: GuardAction): Finding[] {
      if (action.phase === 'response') return [];
      const findings: Finding[] = [];
      const seen = new Set<string>();
      const add = (id: string, severity: Severity, where: string, evidence: string, message: string) => {
        const key = `${id}\u0000${where}\u0000${evidence}`;
        if (seen.has(key)) return;
        seen.add(key);
        findings.push({ detector: 'exfiltration', severity, ruleId: id, where, evidence: clipEvidence(evidence), message });
      };
      const judgeHost = (host: string, where: string, evidence: string, rest: string) => {
        if (PASTE_HOSTS.some((p) => hostMatches(host, p))) {
          add('paste-site', 'high', where, evidence, `Sends data to ${host}, a paste or request-catching site.`);
          return;
        }
        if (isLocal(host)) return;
        if (allow.length > 0 && !allow.some((p) => hostMatches(host, p))) {
          add('host-not-allowed', 'medium', where, evidence, `Sends data to ${host}, which is not in the allowed hosts.`);
        } else if (isIp(host)) {
          add('ip-address', 'medium', where, evidence, `Sends data to a bare IP address (${host}).`);
        }
        const q = rest.indexOf('?');
        if (q !== -1 && rest.length - q > 300) add('data-in-url', 'medium', where, evidence, `Carries a long query string to ${host} (data in the URL).`);
      };
      if (action.kind === 'http' && action.host) judgeHost(action.host.toLowerCase(), 'host', action.host, action.path ?? '');
      if (action.kind === 'http') return findings;
      for (const s of collectStrings(action.arguments)) {
        const text = s.text.length > 256 * 1024 ? s.text.slice(0, 256 * 1024) : s.text;
        URL_RE.lastIndex = 0;
        let m: RegExpExecArray | null;
        let count = 0;
        while ((m = URL_RE.exec(text)) !== null && count++ < 200) judgeHost(hostOf(m[1]), s.where, m[0], m[2]);
      }
      return findings;
    },
  };
}
