import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { openDatabase } from '../../../core/audit/database.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { parseDestination, saveSiemConfig } from '../../../core/siem/config.js';
import { saveSecrets } from '../../../core/siem/secrets.js';
import { readDestinationStatus } from '../../../core/siem/status.js';
import { sampleEvent } from '../../helpers/audit-fixtures.js';
import { makeTestPki, type TestPki } from '../../helpers/siem-certs.js';
import { waitUntil } from '../../helpers/siem-harness.js';
import { SplunkHecReceiver } from '../../helpers/siem-receivers.js';

/**
 * The promise of the outbox, end to end with real processes: the collector goes down,
 * Belay's forwarder process is killed with SIGKILL while a batch is in flight (the
 * collector has the events, Belay never got the answer), more events are written while
 * it is dead, it is restarted, the collector comes back → every event arrives at least
 * once, none is lost, and redelivered duplicates carry the same id (and hash).
 */

const root = path.resolve(import.meta.dirname, '../../..');
const TOKEN = '0b7c9e1d-2f3a-4b5c-8d6e-7f8091a2b3c4';

let pki: TestPki;
let hec: SplunkHecReceiver;
let writer: AuditLog;
const children: ChildProcess[] = [];

function startForwarder(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'jiti/register', path.join(root, 'test/helpers/siem-forwarder-child.ts')], {
    cwd: root,
    env: { ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`forwarder child exited early (${code}): ${err}`)));
  });
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function write(from: number, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(writer.append(sampleEvent(from + i)).id);
  writer.flush();
  return ids;
}

function status() {
  const db = openDatabase(belayPaths().database);
  try {
    return readDestinationStatus(db, [parseDestination({ name: 'splunk', type: 'splunk-hec', url: hec.url, startAt: 'beginning' })])[0];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  pki = makeTestPki();
  hec = new SplunkHecReceiver({ token: TOKEN, pki, ack: true, ackPollsBeforeIndexed: 1 });
  await hec.start();
  const paths = belayPaths();
  ensureDataDir(paths);
  saveSecrets(paths.siemSecrets, { splunk: { token: TOKEN } });
  saveSiemConfig(paths.siem, {
    destinations: [
      parseDestination({
        name: 'splunk', type: 'splunk-hec', url: hec.url, indexerAck: true, ackPollMs: 20, tls: { verify: true, caFile: pki.caFile },
        batch: { maxEvents: 25, maxBytes: 1024 * 1024, maxDelayMs: 20 }, startAt: 'beginning',
      }),
    ],
  });
  // The test itself is another writer process on the same database, as mcp-wrap is for the guard.
  writer = AuditLog.open(paths.database, { batchMs: 5 });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  writer?.close();
  await hec?.stop();
});

describe('outage + kill -9 in the middle of a batch', () => {
  it('loses nothing: every event arrives at least once; duplicates carry the same id', async () => {
    const written: string[] = [];
    written.push(...write(0, 60));
    let child = await startForwarder();
    await waitUntil(() => hec.indexed.length >= 60, 20_000, 'first 60 indexed');

    // The collector goes down for a while; events keep coming.
    await hec.stop();
    written.push(...write(60, 70));
    await waitUntil(() => status().attempts >= 2, 10_000, 'failed attempts while down');
    expect(status().lagEvents).toBe(70);

    // It comes back, slow: it takes the next batch but holds its answer. Kill Belay right then.
    hec.holdMs = 60_000;
    const receivedBefore = hec.received.length;
    await hec.start();
    await waitUntil(() => hec.received.length > receivedBefore, 10_000, 'a batch in flight');
    const inFlight = hec.received.slice(receivedBefore).map((e) => e.event.id as string);
    await kill9(child);
    expect(status().lastAckedSeq).toBeLessThan(130); // the in-flight batch was never acknowledged

    // More events while Belay is dead, then restart with the collector answering normally.
    written.push(...write(130, 40));
    hec.holdMs = 0;
    child = await startForwarder();
    await waitUntil(() => status().lagEvents === 0, 30_000, 'caught up after restart');
    await waitUntil(() => new Set(hec.indexed.map((e) => e.event.id)).size >= written.length, 10_000, 'all indexed');

    const byId = new Map<string, Record<string, unknown>[]>();
    for (const e of hec.received) byId.set(e.event.id as string, [...(byId.get(e.event.id as string) ?? []), e.event]);
    // None lost.
    const missing = written.filter((id) => !byId.has(id));
    expect(missing).toEqual([]);
    // The in-flight batch was delivered again: duplicates, each the very same event.
    expect(inFlight.length).toBeGreaterThan(0);
    for (const id of inFlight) expect(byId.get(id)!.length).toBeGreaterThanOrEqual(2);
    for (const copies of byId.values()) {
      for (const c of copies) expect({ id: c.id, hash: c.hash, seq: c.seq }).toEqual({ id: copies[0].id, hash: copies[0].hash, seq: copies[0].seq });
    }
    // Nothing was dropped or rejected on the way.
    const s = status();
    expect([s.droppedTotal, s.rejectedTotal, s.lastAckedSeq]).toEqual([0, 0, s.headSeq]);
    await kill9(child);
  }, 120_000);
});
