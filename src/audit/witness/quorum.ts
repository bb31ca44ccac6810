import { parseNote } from '../note.js';
import type { StoredCheckpoint, StoredCosignature } from '../store.js';
import { parseSignatureLine, verifyCosignature, witnessLabel, type WitnessKey } from './cosignature.js';

/**
 * The verifier's witness rule: the newest checkpoint must carry valid cosignatures from at least
 * `quorum` of the witness keys the verifier names. Only the verifier's keys count; a stored line
 * that claims one of them and does not verify is a failure in itself (the store was edited).
 */

export interface WitnessPolicy {
  keys: WitnessKey[];
  /** How many distinct keys must have cosigned (1 ≤ quorum ≤ keys.length). */
  quorum: number;
}

export interface WitnessReport {
  treeSize: number;
  quorum: number;
  /** Keys (`name+id`) with a valid cosignature on a checkpoint of that size. */
  cosignedBy: string[];
  problems: string[];
}

/**
 * `newest` are the stored checkpoints of the largest verified size (one, or several signed
 * concurrently over the same tree); their cosignatures count together.
 */
export function checkWitnessQuorum(newest: readonly StoredCheckpoint[], cosignatures: readonly StoredCosignature[], policy: WitnessPolicy): WitnessReport {
  const treeSize = newest[0]?.treeSize ?? 0;
  const problems: string[] = [];
  const cosignedBy = new Set<string>();
  const seqs = new Map(newest.map((c) => [c.seq, c]));
  for (const c of cosignatures) {
    const cp = seqs.get(c.seq);
    if (!cp) continue;
    let sig;
    try {
      sig = parseSignatureLine(c.line);
    } catch (e) {
      problems.push(`cosignature stored for checkpoint ${c.seq}: ${(e as Error).message}`);
      continue;
    }
    const key = policy.keys.find((k) => k.name === sig.name && k.keyId.equals(sig.keyId));
    if (!key) continue;
    try {
      verifyCosignature(sig, parseNote(cp.note).text, key);
      cosignedBy.add(witnessLabel(key));
    } catch (e) {
      problems.push(`checkpoint ${c.seq}: ${(e as Error).message}`);
    }
  }
  if (newest.length === 0) problems.push('the log has no verified checkpoint for witnesses to have cosigned');
  else if (cosignedBy.size < policy.quorum) {
    const missing = policy.keys.map(witnessLabel).filter((l) => !cosignedBy.has(l));
    problems.push(
      `the newest checkpoint (size ${treeSize}) has valid cosignatures from ${cosignedBy.size} of the ${policy.keys.length} witnesses named, ${policy.quorum} required (missing: ${missing.join(', ')})`,
    );
  }
  return { treeSize, quorum: policy.quorum, cosignedBy: [...cosignedBy].sort(), problems };
}
