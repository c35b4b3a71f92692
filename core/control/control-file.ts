import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What a running Belay writes so the CLI, the tray and `belay mcp-wrap` can find its control API. */
export interface ControlFile {
  port: number;
  token: string;
  pid: number;
  /** Base URL without the token, e.g. http://127.0.0.1:43117 */
  url: string;
  startedAt: string;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Writes control.json readable by the user only. The temp file is created with mode
 * 0600 (never chmod-ed after, so the token is never world-readable, even for an
 * instant) and renamed over the old one, so readers never see half a file.
 */
export function writeControlFile(file: string, content: ControlFile): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

/** Reads control.json; undefined when it is missing or not a control file. */
export function readControlFile(file: string): ControlFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<ControlFile>;
    if (typeof v.port !== 'number' || typeof v.token !== 'string' || typeof v.pid !== 'number') return undefined;
    return { port: v.port, token: v.token, pid: v.pid, url: v.url ?? `http://127.0.0.1:${v.port}`, startedAt: v.startedAt ?? '' };
  } catch {
    // A torn or hand-edited file means "no reachable Belay", which callers report.
    return undefined;
  }
}

/** Removes control.json only if it still belongs to this server (a newer Belay may have replaced it). */
export function removeControlFile(file: string, token: string): void {
  const current = readControlFile(file);
  if (current && current.token === token) rmSync(file, { force: true });
}
