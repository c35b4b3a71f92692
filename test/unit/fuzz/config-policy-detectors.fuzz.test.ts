import os from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigParseError, parseJsonc } from '../../../core/clients/jsonc-doc.js';
import { mcpConfigLocations, clientEnvFromProcess } from '../../../core/clients/locations.js';
import { planProtect } from '../../../core/clients/protect.js';
import { listServers } from '../../../core/clients/servers.js';
import { CLIENT_IDS } from '../../../core/clients/types.js';
import { defaultDetectors } from '../../../core/detectors/index.js';
import type { GuardAction } from '../../../core/pipeline/action.js';
import { parsePolicy } from '../../../core/policy/load.js';
import { defaultPolicyText } from '../../../core/policy/default-policy.js';

// Hostile files and hostile text: the policy file, every client's MCP config file, and
// regex-hostile strings against every detector. No crash, no hang (vitest's timeout bounds
// each case), and a clear error for what cannot be read.

const yamlPiece = fc.constantFrom('version: 1\n', 'rules:\n', '  - name: x\n', '    match: { kind: mcp.tool_call }\n', '    action: ask\n', '    action: nope\n', 'defaults:\n', '  "*": allow\n',
  '    match: { arguments: { path: "*", matches: "(" } }\n', '    match: { arguments: { path: "*", matches: "(a+)+$" } }\n', '&a [*a]\n', '*a\n', '!!js/function "x"\n', '\t', '- ', ': ', '"', "'", '{', '[', '\u0000', '\u202e', '<<: *x\n');
const policyText = fc.oneof(fc.string({ maxLength: 400 }), fc.array(yamlPiece, { maxLength: 25 }).map((p) => p.join('')));

describe('policy file', () => {
  it('any text: a policy, or errors that each say what is wrong (and where, when known); never a throw', () => {
    fc.assert(
      fc.property(policyText, (text) => {
        const r = parsePolicy(text);
        if (r.ok) {
          expect(r.policy).toBeDefined();
        } else {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('an invalid regex in arguments.matches is a policy error, not an exception', () => {
    const text = `version: 1\nrules:\n  - name: bad\n    match: { arguments: { path: command, matches: "(unclosed" } }\n    action: deny\n`;
    const r = parsePolicy(text);
    expect(r.ok).toBe(false);
    expect(r.errors[0].message).toMatch(/regular expression|regex|pattern/i);
  });

  it('billion-laughs aliases and a huge file are refused with a reason', () => {
    const laughs = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n`;
    const r1 = parsePolicy(laughs);
    expect(r1.ok).toBe(false);
    const r2 = parsePolicy(`${defaultPolicyText()}\n# ${'x'.repeat(1024 * 1024)}`);
    expect(r2.ok).toBe(false);
    expect(r2.errors[0].message).toMatch(/larger than/);
  });
});

describe('client config files', () => {
  const env = clientEnvFromProcess();
  const locations = CLIENT_IDS.flatMap((c) => mcpConfigLocations(c, env, os.tmpdir()));
  const jsonish = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.jsonValue(), fc.record({ command: fc.oneof(fc.string(), fc.integer()), args: fc.oneof(fc.array(fc.jsonValue()), fc.string()) }))).map((servers) =>
      JSON.stringify({ mcpServers: servers, servers, mcp: { servers } }),
    ),
  );

  it('any file content: servers listed and a protect plan made, or a ConfigParseError naming file, line and column', () => {
    const launcher = { command: '/usr/bin/node', prefixArgs: ['/opt/belay/bin/belay.js'] };
    fc.assert(
      fc.property(fc.constantFrom(...locations), jsonish, (loc, text) => {
        try {
          const doc = parseJsonc(loc.path, text);
          expect(Array.isArray(listServers(loc, doc))).toBe(true);
          const plan = planProtect(loc, text, launcher);
          // A plan never loses the file: whatever it changes, the result still parses.
          parseJsonc(loc.path, plan.text);
        } catch (err) {
          if (!(err instanceof ConfigParseError)) throw err;
          expect(err.message).toContain(loc.path);
          expect(err.message).toMatch(/:\d+:\d+|line \d+/);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('detectors on regex-hostile text', () => {
  // Shapes that make backtracking regexes explode: long runs that almost match a rule
  // (key prefixes, PEM armour, rm flags, URLs, base64), nested quotes, separators.
  const hostile = [
    'a'.repeat(200_000),
    'AKIA'.repeat(50_000),
    'ghp_'.repeat(50_000),
    'sk-ant-api03-'.repeat(20_000),
    '-----BEGIN '.repeat(20_000),
    `-----BEGIN RSA PRIVATE KEY-----${'A'.repeat(200_000)}`,
    'eyJ'.repeat(60_000),
    `${'ey'.repeat(50_000)}.${'ey'.repeat(50_000)}`,
    'rm -rf '.repeat(30_000),
    'rm -'.repeat(50_000),
    `${'../'.repeat(60_000)}etc/passwd`,
    '~/.ssh/'.repeat(30_000),
    'https://'.repeat(30_000),
    `${'x'.repeat(100_000)}@pastebin.com`,
    'ignore previous '.repeat(20_000),
    '"\\"'.repeat(60_000),
    `token=${'9'.repeat(200_000)}`,
    `password: ${' '.repeat(200_000)}x`,
    '\u202e'.repeat(100_000),
    '\ud800'.repeat(50_000),
  ];
  const detectors = defaultDetectors({ log: () => {} });
  const ctx = { now: 1_700_000_000_000, homeDir: '/home/dev', belayHome: '/home/dev/.local/share/belay' };

  function actions(text: string): GuardAction[] {
    return [
      { kind: 'llm.request', client: 'fuzz', transport: 'proxy', host: 'api.openai.com', texts: [text] },
      { kind: 'mcp.tool_call', client: 'fuzz', transport: 'stdio', server: 'shell', tool: 'run_command', arguments: { command: text, path: text } },
      { kind: 'mcp.tool_call', client: 'fuzz', transport: 'stdio', server: 'web', tool: 'fetch', phase: 'response', texts: [text] },
      { kind: 'mcp.tools_list', client: 'fuzz', transport: 'stdio', server: 'x', phase: 'response', toolDescriptions: [{ name: text.slice(0, 1000), description: text }] },
      { kind: 'mcp.resource_read', client: 'fuzz', transport: 'stdio', server: 'fs', uri: `file://${text}` },
    ];
  }

  for (const text of hostile) {
    it(`${JSON.stringify(text.slice(0, 24))}… (${text.length} chars): every detector returns`, () => {
      for (const action of actions(text)) {
        const findings = detectors.run(action, ctx);
        expect(Array.isArray(findings)).toBe(true);
        // A detector that failed would report it: none may fail on text alone.
        expect(findings.filter((f) => f.ruleId === 'detector-failed')).toEqual([]);
      }
    }, 60_000);
  }

  it('random mixes of the hostile fragments', () => {
    const frag = fc.constantFrom('AKIA', 'ghp_', 'sk-', 'eyJ', '.', '-----BEGIN ', 'PRIVATE KEY-----', 'rm -rf ', '/', '~/.ssh/id_rsa', 'curl ', '| sh', 'https://', 'pastebin.com', '=', ':', '"', "'", ' ', '\n', 'A', '0', 'ignore previous instructions');
    fc.assert(
      fc.property(fc.array(frag, { maxLength: 400 }), fc.integer({ min: 1, max: 200 }), (parts, times) => {
        const text = parts.join('').repeat(times).slice(0, 100_000);
        for (const action of actions(text)) expect(detectors.run(action, ctx).filter((f) => f.ruleId === 'detector-failed')).toEqual([]);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
