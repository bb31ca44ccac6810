import { decodeEntry, type EntryKind, type EntryOf } from '../domain/audit-entries.js';
import type { LogStore } from '../audit/store.js';

/** An entry decoded from the log together with its index. */
export interface Located<E> {
  index: number;
  entry: E;
}

/** Decodes stored entries of one kind (optionally of one run), oldest first. Bad bytes throw: verify's job is to explain them. */
export async function entriesOfKind<K extends EntryKind>(store: LogStore, kind: K, runId?: string): Promise<Located<EntryOf<K>>[]> {
  const rows = await store.queryEntries({ kind, ...(runId !== undefined ? { runId } : {}) });
  return rows.map((r) => {
    const entry = decodeEntry(r.bytes);
    if (entry.kind !== kind) throw new Error(`audit entry ${r.index}: stored kind column ${r.kind} disagrees with its bytes (${entry.kind})`);
    return { index: r.index, entry: entry as EntryOf<K> };
  });
}

export interface RunFacts {
  runId: string;
  /** Absent for runs that only recorded a gate decision (`bulwark gate --audit-db`). */
  started: Located<EntryOf<'run_started'>> | undefined;
  gate: Located<EntryOf<'gate_decision'>> | undefined;
  /** The change hash the run reviewed: from the gate decision, else from run_started. */
  changeHash: string | undefined;
}

/** What the log says about one run; undefined when the log has neither its start nor a gate decision. */
export async function runFacts(store: LogStore, runId: string): Promise<RunFacts | undefined> {
  const started = (await entriesOfKind(store, 'run_started', runId))[0];
  const gates = await entriesOfKind(store, 'gate_decision', runId);
  const gate = gates[gates.length - 1];
  if (!started && !gate) return undefined;
  return { runId, started, gate, changeHash: gate?.entry.change_hash ?? started?.entry.change_hash };
}

/** Runs whose gate decision or start entry carries this change hash, oldest first. */
export async function runsForChange(store: LogStore, changeHash: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const s of await entriesOfKind(store, 'run_started')) if (s.entry.change_hash === changeHash) ids.add(s.entry.run_id);
  for (const g of await entriesOfKind(store, 'gate_decision')) if (g.entry.change_hash === changeHash) ids.add(g.entry.run_id);
  return [...ids];
}
