import type { EntryInput } from '../domain/audit-entries.js';
import type { AuditSink } from '../llm/gateway.js';

/** An audit sink that can add several entries in one durable transaction (as AuditLog can). */
export interface BatchingAuditSink extends AuditSink {
  appendMany?(entries: EntryInput[]): Promise<unknown[]>;
}

/**
 * Groups the appends made during one turn of the event loop into one `appendMany` (one durable
 * transaction, one fsync on SQLite) instead of one transaction each. Each caller's promise still
 * resolves only once its own entry is committed, and rejects if that commit failed, so "a stage's
 * output is accepted only after its audit writes are durable" holds unchanged. Entries keep their
 * call order; batches are written one after another. Blobs pass straight through (a blob must be
 * stored before the entry that references it is appended, and the gateway already awaits it).
 * Without `appendMany` the sink is returned as it is.
 */
export function groupAppendsPerTurn(sink: BatchingAuditSink): AuditSink {
  const appendMany = sink.appendMany?.bind(sink);
  if (!appendMany) return sink;
  let pending: { entry: EntryInput; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  let chain: Promise<void> = Promise.resolve();
  const flush = (): void => {
    const batch = pending;
    pending = [];
    // one batch at a time: a later batch never commits before an earlier one
    chain = chain.then(async () => {
      try {
        const results = await appendMany(batch.map((b) => b.entry));
        batch.forEach((b, i) => b.resolve(results[i]));
      } catch {
        // nothing of the batch was written (one transaction): write each on its own so one bad
        // entry fails only its own caller instead of every entry that shared its turn
        for (const b of batch) await sink.append(b.entry).then(b.resolve, b.reject);
      }
    });
  };
  return {
    putBlob: (data) => sink.putBlob(data),
    append(entry: EntryInput): Promise<unknown> {
      return new Promise((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ entry, resolve, reject });
      });
    },
  };
}
