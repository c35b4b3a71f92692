/**
 * A2A agent cards: recognising the fetch (`/.well-known/agent-card.json`, older
 * `/.well-known/agent.json`) and reading the remote agent's identity, endpoints and skills.
 * v0.3 cards carry `url` + `preferredTransport` (+ `additionalInterfaces`); v1.0 cards a
 * `supportedInterfaces` list. Skill descriptions are text models read: kept, but capped.
 */

export interface AgentInterface {
  url: string;
  /** JSONRPC, GRPC, HTTP+JSON. */
  transport?: string;
  protocolVersion?: string;
}

export interface AgentSkill {
  id: string;
  name: string;
  description?: string;
  tags?: string[];
}

export interface AgentCardFacts {
  name: string;
  description?: string;
  version?: string;
  /** Main endpoint: v0.3 `url`, else the first JSON-RPC interface, else the first interface. */
  url?: string;
  interfaces: AgentInterface[];
  protocolVersions: string[];
  provider?: { organization?: string; url?: string };
  skills: AgentSkill[];
  streaming?: boolean;
  pushNotifications?: boolean;
}

const CARD_PATHS = ['/.well-known/agent-card.json', '/.well-known/agent.json'];
const MAX_TEXT = 2000;
const MAX_SKILLS = 200;

/** True for an agent-card fetch path (query ignored; prefix paths allowed, e.g. /a2a/.well-known/agent-card.json). */
export function isAgentCardPath(path: string): boolean {
  const p = path.split(/[?#]/)[0];
  return CARD_PATHS.some((c) => p === c || p.endsWith(c));
}

export function parseAgentCard(body: string | unknown): { card?: AgentCardFacts; error?: string } {
  let v: unknown = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    try {
      v = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    } catch (err) {
      return { error: `agent card is not JSON: ${(err as Error).message}` };
    }
  }
  if (!isRecord(v)) return { error: 'agent card is not a JSON object' };
  if (typeof v.name !== 'string' || v.name === '') return { error: 'agent card has no "name"' };

  const interfaces: AgentInterface[] = [];
  const protocolVersions = new Set<string>();
  if (typeof v.protocolVersion === 'string') protocolVersions.add(v.protocolVersion);
  if (typeof v.url === 'string') interfaces.push({ url: v.url, ...(typeof v.preferredTransport === 'string' ? { transport: v.preferredTransport } : { transport: 'JSONRPC' }) });
  for (const list of [v.additionalInterfaces, v.supportedInterfaces]) {
    if (!Array.isArray(list)) continue;
    for (const i of list) {
      if (!isRecord(i) || typeof i.url !== 'string') continue;
      const transport = str(i.protocolBinding) ?? str(i.transport);
      const pv = str(i.protocolVersion);
      if (pv) protocolVersions.add(pv);
      if (interfaces.some((x) => x.url === i.url && x.transport === transport)) continue;
      interfaces.push({ url: i.url, ...(transport ? { transport } : {}), ...(pv ? { protocolVersion: pv } : {}) });
    }
  }
  const url = str(v.url) ?? interfaces.find((i) => /jsonrpc/i.test(i.transport ?? ''))?.url ?? interfaces[0]?.url;

  const skills: AgentSkill[] = [];
  for (const s of Array.isArray(v.skills) ? v.skills.slice(0, MAX_SKILLS) : []) {
    if (!isRecord(s)) continue;
    const id = str(s.id) ?? str(s.name);
    if (!id) continue;
    skills.push({
      id,
      name: str(s.name) ?? id,
      ...(typeof s.description === 'string' ? { description: s.description.slice(0, MAX_TEXT) } : {}),
      ...(Array.isArray(s.tags) ? { tags: s.tags.filter((t): t is string => typeof t === 'string').slice(0, 50) } : {}),
    });
  }
  const caps = isRecord(v.capabilities) ? v.capabilities : {};
  const provider = isRecord(v.provider) ? { ...(str(v.provider.organization) ? { organization: str(v.provider.organization) } : {}), ...(str(v.provider.url) ? { url: str(v.provider.url) } : {}) } : undefined;
  return {
    card: {
      name: v.name.slice(0, 200),
      ...(typeof v.description === 'string' ? { description: v.description.slice(0, MAX_TEXT) } : {}),
      ...(str(v.version) ? { version: str(v.version) } : {}),
      ...(url ? { url } : {}),
      interfaces,
      protocolVersions: [...protocolVersions],
      ...(provider ? { provider } : {}),
      skills,
      ...(typeof caps.streaming === 'boolean' ? { streaming: caps.streaming } : {}),
      ...(typeof caps.pushNotifications === 'boolean' ? { pushNotifications: caps.pushNotifications } : {}),
    },
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
