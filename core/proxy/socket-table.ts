import { open } from 'node:fs/promises';

/**
 * The inodes of local TCP connections to the proxy, from Linux's socket tables
 * (/proc/net/tcp, then /proc/net/tcp6): the client's end of each, whose local port is the
 * client's port and whose remote port is the proxy's.
 *
 * The kernel writes these tables as they are read, walking every socket of the machine,
 * TIME_WAIT included: about 6 µs of kernel time per line, so a few milliseconds of CPU on a
 * busy machine for one full read. Reading stops as soon as every wanted port is found
 * (half the table on average), and callers ask for all the ports waiting at once.
 */
const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];
const CHUNK = 64 * 1024;

export async function socketInodes(clientPorts: Iterable<number>, proxyPort: number, tables = TABLES): Promise<Map<number, string>> {
  const wanted = new Map<string, number>();
  for (const port of clientPorts) wanted.set(hexPort(port), port);
  const found = new Map<number, string>();
  const remote = `:${hexPort(proxyPort)}`;
  for (const table of tables) {
    if (found.size === wanted.size) break;
    await readTable(table, (line) => {
      // "  sl: local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
      const cols = line.trim().split(/\s+/);
      if (cols.length <= 9 || !cols[2].endsWith(remote)) return false;
      const port = wanted.get(cols[1].slice(cols[1].lastIndexOf(':') + 1));
      if (port === undefined || found.has(port)) return false;
      found.set(port, cols[9]);
      return found.size === wanted.size;
    }, [...wanted.keys()].map((hex) => `:${hex} `));
  }
  return found;
}

/** The port as the tables write it: four upper-case hex digits. */
function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Reads a table in chunks, handing `onLine` the lines that hold one of `needles` (only
 * those are split into columns) until it returns true. An unreadable table is skipped.
 */
async function readTable(file: string, onLine: (line: string) => boolean, needles: string[]): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return;
  }
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let carry = '';
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) {
        linesWith(carry, needles, onLine);
        return;
      }
      const text = carry + buffer.toString('latin1', 0, bytesRead);
      const complete = text.lastIndexOf('\n') + 1;
      carry = text.slice(complete);
      if (linesWith(text.slice(0, complete), needles, onLine)) return;
    }
  } finally {
    await handle.close();
  }
}

/** Calls `onLine` on each line of `text` holding a needle; true once it has returned true. */
function linesWith(text: string, needles: string[], onLine: (line: string) => boolean): boolean {
  for (const needle of needles) {
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
      const start = text.lastIndexOf('\n', at) + 1;
      const end = text.indexOf('\n', at);
      if (onLine(text.slice(start, end === -1 ? text.length : end))) return true;
    }
  }
  return false;
}
