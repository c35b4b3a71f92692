import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestPki } from './siem-certs.js';

/**
 * A real rsyslogd (Debian package `rsyslog`, plus `rsyslog-gnutls` for TLS) run by the
 * test in the foreground with its own config in a temp folder: imtcp (octet counting is
 * auto-detected on plain TCP), imtcp with the gtls driver for RFC 5425, and imudp. Every
 * message is written raw to one file, prefixed with the input it came through.
 */
export interface RsyslogInstance {
  tcpPort: number;
  tlsPort: number;
  udpPort: number;
  outFile: string;
  /** Lines of the output file: `<input> <raw message>`. */
  lines(): { input: string; raw: string }[];
  waitFor(pred: (lines: { input: string; raw: string }[]) => boolean, timeoutMs?: number): Promise<{ input: string; raw: string }[]>;
  stop(): Promise<void>;
}

export function rsyslogAvailable(): boolean {
  return existsSync('/usr/sbin/rsyslogd');
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function waitForFile(file: string, child: ChildProcess, errText: () => string, timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (existsSync(file)) {
      const v = readFileSync(file, 'utf8').trim();
      if (v) return v;
    }
    if (child.exitCode !== null) throw new Error(`rsyslogd exited (${child.exitCode}): ${errText()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`rsyslogd did not start within ${timeoutMs} ms: ${errText()}`);
}

export async function startRsyslog(pki: TestPki): Promise<RsyslogInstance> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-rsyslog-'));
  const work = path.join(dir, 'work');
  mkdirSync(work);
  const outFile = path.join(dir, 'out.log');
  const udpPort = await freeUdpPort();
  const conf = `
global(workDirectory="${work}" maxMessageSize="256k"
  defaultNetstreamDriverCAFile="${pki.caFile}"
  defaultNetstreamDriverCertFile="${pki.certFile}"
  defaultNetstreamDriverKeyFile="${pki.keyFile}")
module(load="imtcp" maxSessions="200")
module(load="imudp")
template(name="raw" type="string" string="%inputname% %rawmsg%\\n")
ruleset(name="out") { action(type="omfile" file="${outFile}" template="raw" flushOnTXEnd="on" asyncWriting="off") }
input(type="imtcp" name="tcp" port="0" listenPortFileName="${dir}/tcp.port" ruleset="out")
input(type="imtcp" name="tls" port="0" listenPortFileName="${dir}/tls.port" ruleset="out"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imudp" name="udp" address="127.0.0.1" port="${udpPort}" ruleset="out")
`;
  const confFile = path.join(dir, 'rsyslog.conf');
  writeFileSync(confFile, conf);
  const child = spawn('/usr/sbin/rsyslogd', ['-n', '-f', confFile, '-i', path.join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (err += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const tcpPort = Number(await waitForFile(path.join(dir, 'tcp.port'), child, () => err));
  const tlsPort = Number(await waitForFile(path.join(dir, 'tls.port'), child, () => err));

  const lines = () => {
    if (!existsSync(outFile)) return [];
    return readFileSync(outFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const sp = l.indexOf(' ');
        return { input: l.slice(0, sp), raw: l.slice(sp + 1) };
      });
  };
  return {
    tcpPort,
    tlsPort,
    udpPort,
    outFile,
    lines,
    async waitFor(pred, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const l = lines();
        if (pred(l)) return l;
        if (Date.now() > until) throw new Error(`rsyslog output did not match within ${timeoutMs} ms; got ${l.length} line(s). rsyslogd said: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await done;
    },
  };
}
