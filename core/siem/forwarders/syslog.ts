import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import type { AuditEvent } from '../../../shared/events.js';
import type { SyslogDestination } from '../config.js';
import { cefLine, siemJson } from '../event-format.js';
import { caBundle, describeNetworkError } from '../http.js';
import { formatSyslog, frameOctetCounted, type SyslogHeader } from '../syslog-message.js';
import type { EventSender, PermanentError, SendResult } from '../types.js';

/**
 * Syslog, RFC 5424 messages:
 * - tcp: octet-counted frames (RFC 6587 `LEN SP MSG`) on one kept-open connection;
 * - tls: the same frames over TLS (RFC 5425), certificate verified by default;
 * - udp: one message per datagram (RFC 5426).
 *
 * Syslog has no application-level acknowledgment. Over TCP/TLS a batch counts as
 * delivered once every byte was written and flushed to the kernel without error; a
 * collector that dies right after can still lose what sat in its socket buffer. Over
 * UDP a datagram handed to the kernel counts as sent, full stop. docs/siem.md says so.
 */

const CONNECT_TIMEOUT_MS = 10_000;
/** Largest UDP payload over IPv4; rsyslog's default maxMessageSize is far smaller (8 KiB). */
const MAX_UDP_BYTES = 65_507;

export class SyslogSender implements EventSender {
  readonly type = 'syslog' as const;
  private socket: net.Socket | undefined;
  private udp: dgram.Socket | undefined;
  private readonly header: SyslogHeader;
  private readonly ca: string[] | undefined;

  constructor(private readonly dest: SyslogDestination) {
    this.header = { facility: dest.facility, hostname: os.hostname(), appName: dest.appName, procId: String(process.pid) };
    this.ca = dest.transport === 'tls' ? caBundle(dest.tls.caFile) : undefined;
  }

  message(e: AuditEvent): string {
    return formatSyslog(e, this.header, this.dest.format === 'cef' ? cefLine(e) : siemJson(e));
  }

  async send(batch: AuditEvent[], signal?: AbortSignal): Promise<SendResult> {
    if (batch.length === 0) return { acked: 0 };
    return this.dest.transport === 'udp' ? this.sendUdp(batch) : this.sendStream(batch, signal);
  }

  private async sendStream(batch: AuditEvent[], signal?: AbortSignal): Promise<SendResult> {
    const where = `${this.dest.host}:${this.dest.port}`;
    const socket = await this.connect(signal);
    const payload = Buffer.concat(batch.map((e) => frameOctetCounted(this.message(e))));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(describeNetworkError(err, where));
      const onClose = () => reject(new Error(`${where}: the collector closed the connection during the write`));
      const onAbort = () => {
        socket.destroy();
        reject(new Error(`${where}: the write was cancelled (Belay is stopping)`));
      };
      socket.once('error', onError);
      socket.once('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.write(payload, (err) => {
        socket.off('error', onError);
        socket.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(describeNetworkError(err, where));
        else resolve();
      });
    }).catch((err: unknown) => {
      this.dropSocket();
      throw err;
    });
    return { acked: batch.length, detail: `${batch.length} message(s) written to ${this.dest.transport}://${where}` };
  }

  /** Reuses the open connection unless the collector closed its side; otherwise connects anew. */
  private connect(signal?: AbortSignal): Promise<net.Socket> {
    const s = this.socket;
    if (s && !s.destroyed && s.writable && !s.readableEnded) return Promise.resolve(s);
    this.dropSocket();
    const where = `${this.dest.host}:${this.dest.port}`;
    return new Promise<net.Socket>((resolve, reject) => {
      const opts = { host: this.dest.host, port: this.dest.port, signal };
      const sock =
        this.dest.transport === 'tls'
          ? tls.connect({ ...opts, servername: net.isIP(this.dest.host) ? undefined : this.dest.host, rejectUnauthorized: this.dest.tls.verify, ca: this.ca })
          : net.connect(opts);
      const timer = setTimeout(() => sock.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      const ready = this.dest.transport === 'tls' ? 'secureConnect' : 'connect';
      sock.once(ready, () => {
        clearTimeout(timer);
        sock.off('error', onError);
        // A collector never talks back on syslog; reading keeps 'end' (its FIN) observable.
        sock.on('data', () => {});
        sock.on('end', () => this.dropSocket(sock));
        sock.on('error', () => this.dropSocket(sock));
        sock.setKeepAlive(true, 30_000);
        this.socket = sock;
        resolve(sock);
      });
      const onError = (err: Error) => {
        clearTimeout(timer);
        reject(describeNetworkError(err, where));
      };
      sock.once('error', onError);
    });
  }

  private dropSocket(which?: net.Socket): void {
    if (which && which !== this.socket) return;
    this.socket?.destroy();
    this.socket = undefined;
  }

  private async sendUdp(batch: AuditEvent[]): Promise<SendResult> {
    const where = `${this.dest.host}:${this.dest.port}`;
    if (!this.udp) {
      this.udp = dgram.createSocket(net.isIPv6(this.dest.host) ? 'udp6' : 'udp4');
      this.udp.on('error', () => this.closeUdp());
    }
    const udp = this.udp;
    const permanentErrors: PermanentError[] = [];
    for (let i = 0; i < batch.length; i++) {
      const msg = Buffer.from(this.message(batch[i]), 'utf8');
      if (msg.length > MAX_UDP_BYTES) {
        permanentErrors.push({ index: i, reason: `message is ${msg.length} bytes, too large for one UDP datagram; use transport tcp or tls` });
        continue;
      }
      try {
        await new Promise<void>((resolve, reject) => udp.send(msg, this.dest.port, this.dest.host, (err) => (err ? reject(err) : resolve())));
      } catch (err) {
        this.closeUdp();
        return { acked: i, permanentErrors, error: describeNetworkError(err as Error, where).message };
      }
    }
    return { acked: batch.length, permanentErrors, detail: `${batch.length - permanentErrors.length} datagram(s) sent to udp://${where}` };
  }

  private closeUdp(): void {
    try {
      this.udp?.close();
    } catch (err) {
      // Closing an already-closed socket throws ERR_SOCKET_DGRAM_NOT_RUNNING; nothing to do.
      if ((err as NodeJS.ErrnoException).code !== 'ERR_SOCKET_DGRAM_NOT_RUNNING') throw err;
    }
    this.udp = undefined;
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s && !s.destroyed) await new Promise<void>((resolve) => s.end(resolve));
    this.closeUdp();
  }
}
