import { inspectEntryText } from '../domain/audit-entries.js';
import { leafHashHexOfText } from './merkle.js';
import type { EntryTextRow } from './store.js';

/**
 * What verify learns from one stored row on its own: the recomputed leaf hash, whether the stored
 * leaf hash and query columns agree, the entry time, its blob references. Pure; every decision
 * that needs context (order, checkpoints, state, blobs) stays in verifyLog.
 */
export interface RowFacts {
  index: number;
  /** Leaf hash recomputed from the entry text, lowercase hex. */
  leafHex: string;
  /** The stored leaf hash differs from leafHex (verify rechecks with the exact bytes). */
  leafDiffers: boolean;
  /** The stored kind/time/run_id columns disagree with the entry. */
  columnsDiffer: boolean;
  /** Entry time (epoch ms), or NaN when the entry did not parse. */
  timeMs: number;
  blobRefs: string[];
  retention?: { to: string; blobs: string[] };
  error?: string;
}

const NO_REFS: string[] = [];

export function rowFacts(row: EntryTextRow, full: boolean): RowFacts {
  const leafHex = leafHashHexOfText(row.text);
  return entryFacts(row.index, row.text, row, leafHex, leafHex !== row.leafHashHex, full);
}

interface ColumnsOf {
  kind: string;
  timeMs: number;
  runId: string | null;
}

/** Facts of an entry's text against its stored columns (also used for the exact-bytes recheck). */
export function entryFacts(index: number, text: string, cols: ColumnsOf, leafHex: string, leafDiffers: boolean, full: boolean): RowFacts {
  try {
    const env = inspectEntryText(text, full);
    const c = env.columns;
    return {
      index,
      leafHex,
      leafDiffers,
      columnsDiffer: c.kind !== cols.kind || c.timeMs !== cols.timeMs || c.runId !== cols.runId,
      timeMs: c.timeMs,
      blobRefs: env.blobRefs.length ? env.blobRefs : NO_REFS,
      ...(env.retention ? { retention: env.retention } : {}),
    };
  } catch (e) {
    return { index, leafHex, leafDiffers, columnsDiffer: false, timeMs: NaN, blobRefs: NO_REFS, error: (e as Error).message };
  }
}
