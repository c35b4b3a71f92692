import { readdir, readFile, readlink } from 'node:fs/promises';
import { socketInodes } from './socket-table.js';

/**
 * Which local process opened a connection to the proxy, where the OS lets us see it
 * (Linux, through /proc: the socket's inode in /proc/net/tcp, then the process holding a
 * file descriptor on that inode). Headers can lie or be absent; the process cannot.
 *
 * A lookup reads the machine's socket tables and fd tables, so it runs off the request
 * path, once per TCP connection (cached by the client's port), and lookups waiting at the
 * same time share one read of each (socket-table.ts says what a read costs). Other
 * OSes answer undefined (macOS and Windows would need lsof/netstat per connection).
 */
export interface LocalProcess {
  pid: number;
  name: string;
  /** The command line, capped (it can hold secrets passed as flags: it is scrubbed by the audit log). */
  command?: string;
}

const CACHE_MS = 60_000;

/** One connection's lookup: started at `at`; `found` once it has finished with an answer. */
interface LookupEntry {
  at: number;
  result: Promise<LocalProcess | undefined>;
  found?: LocalProcess;
}
const MAX_COMMAND = 200;
const MAX_RECENT_OWNERS = 8;

export class ProcessAttribution {
  private readonly cache = new Map<number, LookupEntry>();
  private pending: { clientPort: number; resolve: (p: LocalProcess | undefined) => void }[] = [];
  private scanning = false;
  /** Processes that owned recent connections, newest first: a copilot opens many. */
  private recentOwners: number[] = [];

  constructor(
    private readonly proxyPort: () => number,
    private readonly enabled = process.platform === 'linux',
  ) {}

  lookup(clientPort: number | undefined): Promise<LocalProcess | undefined> {
    if (!this.enabled || !clientPort) return Promise.resolve(undefined);
    const now = Date.now();
    const hit = this.cache.get(clientPort);
    if (hit && now - hit.at < CACHE_MS) return hit.result;
    const result = this.resolve(clientPort).catch(() => undefined);
    const entry: LookupEntry = { at: now, result };
    void result.then((p) => {
      entry.found = p;
    });
    this.cache.set(clientPort, entry);
    if (this.cache.size > 4096) this.prune(now);
    return result;
  }

  /**
   * The process behind a connection if its lookup has finished, else undefined. Flows ask
   * this when they end rather than each waiting on the lookup: a scan can take seconds
   * under load, and every request of a kept-alive connection waiting on it would keep its
   * whole flow alive until then (thousands of flows at c=16, the bulk of the heap).
   */
  known(clientPort: number | undefined): LocalProcess | undefined {
    return clientPort ? this.cache.get(clientPort)?.found : undefined;
  }

  private resolve(clientPort: number): Promise<LocalProcess | undefined> {
    return new Promise((resolve) => {
      this.pending.push({ clientPort, resolve });
      void this.scan();
    });
  }

  /**
   * One pass answers every lookup waiting at its start: one read of the socket tables for
   * their inodes, then one pass over /proc for the processes holding them.
   */
  private async scan(): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      while (this.pending.length) {
        const batch = this.pending;
        this.pending = [];
        const inodes = await socketInodes(new Set(batch.map((p) => p.clientPort)), this.proxyPort()).catch(() => new Map<number, string>());
        const links = new Set([...inodes.values()].map((inode) => `socket:[${inode}]`));
        // Best effort: a lookup that fails answers "unknown", it never leaves a flow waiting.
        const found = links.size ? await findOwners([...links], this.recentOwners).catch(() => new Map<string, LocalProcess>()) : new Map<string, LocalProcess>();
        for (const p of batch) {
          const inode = inodes.get(p.clientPort);
          p.resolve(inode === undefined ? undefined : found.get(`socket:[${inode}]`));
        }
        for (const owner of found.values()) this.noteOwner(owner.pid);
      }
    } finally {
      this.scanning = false;
    }
  }

  private noteOwner(pid: number): void {
    this.recentOwners = [pid, ...this.recentOwners.filter((p) => p !== pid)].slice(0, MAX_RECENT_OWNERS);
  }

  private prune(now: number): void {
    for (const [port, entry] of this.cache) if (now - entry.at >= CACHE_MS) this.cache.delete(port);
  }
}

/**
 * The processes holding these sockets. The recent owners' fd tables are read first: a new
 * connection almost always comes from a process that opened one before, and finding it
 * there spares reading every other process's fd table (hundreds of reads, each a promise
 * settled on the event loop, in bursts that delayed streamed events by milliseconds).
 */
async function findOwners(links: string[], likely: number[]): Promise<Map<string, LocalProcess>> {
  const wanted = new Set(links);
  const found = new Map<string, LocalProcess>();
  const search = async (pid: number): Promise<void> => {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      return; // another user's process, or gone
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (!wanted.has(target) || found.has(target)) continue;
      found.set(target, await describe(pid));
      if (found.size === wanted.size) return;
    }
  };
  for (const pid of likely) {
    if (found.size === wanted.size) return found;
    await search(pid);
  }
  const tried = new Set(likely);
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => pid !== process.pid && !tried.has(pid));
  for (const pid of pids) {
    if (found.size === wanted.size) break;
    await search(pid);
  }
  return found;
}

async function describe(pid: number): Promise<LocalProcess> {
  const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() || 'unknown';
  const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean);
  const command = capCommand(args, MAX_COMMAND);
  return { pid, name, ...(command ? { command } : {}) };
}

/**
 * Joins whole arguments up to `max` characters. Never cuts an argument in half: a secret
 * passed as a flag and cut at the cap would no longer look like one to the audit log's
 * scrubber, and its first characters would be stored.
 */
export function capCommand(args: string[], max: number): string {
  let out = '';
  for (const arg of args) {
    const next = out ? `${out} ${arg}` : arg;
    if (next.length > max) return out ? `${out} …` : '…';
    out = next;
  }
  return out;
}
