import { UsageError } from '../../domain/errors.js';
import { inertLine } from '../../domain/untrusted.js';
import { parseCheckpointBody, parseNote } from '../note.js';
import type { LogStore, StoredCheckpoint } from '../store.js';
import { formatAddCheckpoint } from './add-checkpoint.js';
import { isByWitness, parseSignatureLine, parseWitnessKey, verifyCosignature, witnessLabel } from './cosignature.js';

/**
 * The log side of tlog-witness: send a stored checkpoint, with a consistency proof from the size
 * the witness last cosigned, to each configured witness, check the cosignature that comes back
 * with the witness's key, and store it beside the checkpoint. A witness that refuses, answers
 * something else or does not answer in time is reported, never retried beyond the one
 * resubmission the protocol's 409 (another old size) calls for.
 */

export interface WitnessEndpoint {
  name: string;
  /** The witness's submission prefix; requests go to `<url>/add-checkpoint`. */
  url: string;
  /** The witness's cosignature/v1 vkey. */
  key: string;
}

export interface CosignOutcome {
  witness: string;
  ok: boolean;
  /** The checkpoint's tree size. */
  treeSize: number;
  error?: string;
}

export interface CosignOptions {
  /** Per witness, for the whole exchange (default 5000 ms). */
  timeoutMs?: number;
  /** Checkpoint seq to cosign (default: the newest stored). */
  seq?: number;
}

export const DEFAULT_WITNESS_TIMEOUT_MS = 5_000;

interface ProofSource {
  store: LogStore;
  consistencyProof(size1: number, size2: number): Promise<Uint8Array[]>;
}

/**
 * Witness answers are untrusted text, printed and recorded in the log: one line, bounded, without
 * control characters, line or paragraph separators, or the marks that reorder text on display.
 */
const inert = (s: string): string => inertLine(s, 200);

export async function cosignCheckpoint(log: ProofSource, witnesses: readonly WitnessEndpoint[], opts: CosignOptions = {}): Promise<CosignOutcome[]> {
  const checkpoints = await log.store.listCheckpoints();
  const target: StoredCheckpoint | undefined = opts.seq === undefined ? checkpoints.at(-1) : checkpoints.find((c) => c.seq === opts.seq);
  if (!target) throw new UsageError(opts.seq === undefined ? 'the log has no checkpoint to cosign' : `the log has no checkpoint ${opts.seq}`);
  const body = parseNote(target.note).text;
  const size = parseCheckpointBody(body).treeSize;
  const sizeOf = new Map(checkpoints.map((c) => [c.seq, c.treeSize]));
  const stored = await log.store.listCosignatures();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WITNESS_TIMEOUT_MS;

  const one = async (w: WitnessEndpoint): Promise<CosignOutcome> => {
    let label = w.name;
    try {
      const key = parseWitnessKey(w.key);
      label = witnessLabel(key);
      // the largest size this witness cosigned for us, as far as this log knows; 409 corrects it
      const known = stored.filter((c) => c.witness === label).map((c) => sizeOf.get(c.seq) ?? 0);
      let old = Math.max(0, ...known.filter((s) => s <= size));
      const signal = AbortSignal.timeout(timeoutMs);
      const endpoint = `${w.url.replace(/\/+$/, '')}/add-checkpoint`;
      for (let attempt = 0; ; attempt++) {
        const proof = old === 0 || old === size ? [] : await log.consistencyProof(old, size);
        const res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: formatAddCheckpoint({ oldSize: old, proof: proof.map((h) => Buffer.from(h)), note: target.note }),
          signal,
        });
        const text = await res.text();
        if (res.status === 409 && (res.headers.get('content-type') ?? '').startsWith('text/x.tlog.size')) {
          const theirs = /^(0|[1-9][0-9]{0,15})\n?$/.test(text) ? Number(text.trim()) : NaN;
          if (attempt === 0 && Number.isSafeInteger(theirs) && theirs !== old && theirs <= size) {
            old = theirs;
            continue;
          }
          // a larger size: most often another run's later checkpoint of a shared log, which says
          // nothing against this one; kept as a refusal all the same (it could be a split view)
          if (Number.isSafeInteger(theirs) && theirs > size) {
            throw new Error(
              `witness has already cosigned size ${theirs}, after this checkpoint (size ${size}): a later checkpoint of this log (another run), or another tree`,
            );
          }
          throw new Error(`witness has cosigned size ${inert(text)}, which this checkpoint (size ${size}) cannot extend`);
        }
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${inert(text)}`);
        let good = 0;
        for (const line of text.split('\n').filter((l) => l !== '')) {
          const sig = parseSignatureLine(line);
          if (!isByWitness(sig, key)) continue; // the client ignores cosignatures from keys it does not know
          verifyCosignature(sig, body, key);
          await log.store.addCosignature({ seq: target.seq, witness: label, line, createdMs: Date.now() });
          good++;
        }
        if (good === 0) throw new Error('the answer holds no cosignature by the configured key');
        return { witness: label, ok: true, treeSize: size };
      }
    } catch (e) {
      const err = e as Error;
      const cause = (err as Error & { cause?: { code?: unknown; message?: unknown } }).cause;
      const detail = typeof cause?.code === 'string' ? ` (${cause.code})` : typeof cause?.message === 'string' ? ` (${cause.message})` : '';
      const why = err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : inert(err.message + detail);
      return { witness: label, ok: false, treeSize: size, error: why };
    }
  };
  return Promise.all(witnesses.map(one));
}
