import type { Database } from './database.js';
import { GENESIS_HASH, chainHash } from './canonical.js';
import { rowToEventWithoutData, type EventRow } from './rows.js';

export type ChainBreak = 'edited' | 'deleted' | 'reordered';

export type VerifyResult =
  | { ok: true; count: number; head: { seq: number; hash: string } }
  | {
      ok: false;
      /** The first row where the chain no longer holds. */
      brokenAt: { seq: number; id: string; time: string };
      reason: ChainBreak;
      /** What was found, in words. */
      message: string;
      /** Rows that checked out before the break. */
      count: number;
    };

interface ChainMeta {
  seq: number;
  hash: string;
  base_seq: number;
  base_hash: string;
}

/**
 * Walks the whole chain in seq order, one row in memory at a time, and reports the first
 * broken link:
 *  - edited: a row's stored hash no longer matches its content;
 *  - deleted: a seq is missing, a row's predecessor exists nowhere, or the recorded head
 *    is past the last row (a truncated tail);
 *  - reordered: a row's predecessor exists, but somewhere else in the order.
 * Runs in one read transaction, so writers appending meanwhile cannot cause false alarms.
 */
export function verifyChain(db: Database): VerifyResult {
  db.exec('BEGIN');
  try {
    return walk(db);
  } finally {
    db.exec('COMMIT');
  }
}

function walk(db: Database): VerifyResult {
  const meta = db.prepare('SELECT seq, hash, base_seq, base_hash FROM audit_chain WHERE id = 1').get() as ChainMeta | undefined;
  let prevSeq = meta?.base_seq ?? 0;
  let prevHash = meta?.base_hash ?? GENESIS_HASH;
  let count = 0;
  let last: EventRow | undefined;
  let suspect: { row: EventRow; kind: 'gap' | 'link' } | undefined;
  let edited: EventRow | undefined;
  for (const row of db.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>) {
    // The stored data text is the canonical JSON the writer hashed; hashing it as is
    // also flags an edit that only reformats it.
    if (chainHash(row.prev_hash, rowToEventWithoutData(row), row.data) !== row.hash) {
      edited = row;
      break;
    }
    if (row.seq !== prevSeq + 1) {
      suspect = { row, kind: 'gap' };
      break;
    }
    if (row.prev_hash !== prevHash) {
      suspect = { row, kind: 'link' };
      break;
    }
    prevSeq = row.seq;
    prevHash = row.hash;
    last = row;
    count++;
  }
  if (edited) {
    return broken(edited, 'edited', count, `Event ${edited.seq} (${edited.id}) was changed after it was written: its content no longer matches its hash.`);
  }
  if (suspect?.kind === 'gap') {
    const { row } = suspect;
    // A swapped seq pair keeps every seq present, so a gap means rows are gone.
    return broken(row, 'deleted', count, `Event(s) ${prevSeq + 1}${row.seq - 1 > prevSeq + 1 ? `–${row.seq - 1}` : ''} before ${row.id} are missing.`);
  }
  if (suspect?.kind === 'link') {
    const { row } = suspect;
    // Intact row, wrong neighbour: its real predecessor is elsewhere (moved) or gone.
    const elsewhere = db.prepare('SELECT seq FROM events WHERE hash = ?').get(row.prev_hash) as { seq: number } | undefined;
    if (elsewhere) {
      return broken(row, 'reordered', count, `Event ${row.seq} (${row.id}) is out of order: it was written right after event ${elsewhere.seq}.`);
    }
    // Either rows were removed and the seqs renumbered, or the previous row was rewritten
    // with a freshly computed hash; the chain alone cannot tell which, so say both.
    return broken(
      row,
      'deleted',
      count,
      `The event written just before event ${row.seq} (${row.id}) is missing from the log: it was deleted (and the seqs renumbered), or event ${prevSeq} was rewritten with a forged hash.`,
    );
  }
  if (meta && meta.seq > prevSeq) {
    return {
      ok: false,
      brokenAt: { seq: prevSeq + 1, id: '', time: last?.time ?? '' },
      reason: 'deleted',
      message: `The log ends at event ${prevSeq}, but events up to ${meta.seq} were written: the newest ${meta.seq - prevSeq} event(s) were removed.`,
      count,
    };
  }
  if (meta && last && meta.seq === prevSeq && meta.hash !== prevHash) {
    return broken(last, 'edited', count - 1, `Event ${last.seq} (${last.id}) was rewritten after it was committed: its hash differs from the recorded chain head.`);
  }
  return { ok: true, count, head: { seq: prevSeq, hash: prevHash } };
}

function broken(row: EventRow, reason: ChainBreak, count: number, message: string): VerifyResult {
  return { ok: false, brokenAt: { seq: row.seq, id: row.id, time: row.time }, reason, message, count };
}
