import { verifyConsistency } from '../merkle.js';
import { NoteError, openNote, parseCheckpointBody, parseNote, type Checkpoint, type VerifierKey } from '../note.js';
import { cosign, type WitnessSigner } from './cosignature.js';

/**
 * The witness side of C2SP tlog-witness `add-checkpoint` (https://c2sp.org/tlog-witness), without
 * I/O: parse the request body, check it against what the witness last cosigned for the origin,
 * and answer with the status, body and the state to persist before answering.
 */

/** The most proof lines the spec allows. */
export const MAX_PROOF_LINES = 63;
/** Far more than a checkpoint with a proof of 63 hashes and a few signatures needs. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  /** The signed checkpoint note. */
  note: string;
}

export class RequestError extends Error {
  override name = 'RequestError';
}

function decimal(s: string, what: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(s) || !Number.isSafeInteger(Number(s)))
    throw new RequestError(`${what} ${JSON.stringify(s.slice(0, 40))} is not a decimal size`);
  return Number(s);
}

export function formatAddCheckpoint(r: AddCheckpointRequest): string {
  return `old ${r.oldSize}\n${r.proof.map((h) => Buffer.from(h).toString('base64') + '\n').join('')}\n${r.note}`;
}

export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const blank = body.indexOf('\n\n');
  if (blank < 0) throw new RequestError('request body has no empty line before the checkpoint');
  const head = body.slice(0, blank).split('\n');
  const note = body.slice(blank + 2);
  const oldLine = head[0]!;
  if (!oldLine.startsWith('old ')) throw new RequestError('request body must start with "old <size>"');
  const oldSize = decimal(oldLine.slice(4), 'old size');
  const proofLines = head.slice(1);
  if (proofLines.length > MAX_PROOF_LINES) throw new RequestError(`more than ${MAX_PROOF_LINES} consistency proof lines`);
  const proof = proofLines.map((l, i) => {
    const h = Buffer.from(l, 'base64');
    if (h.length !== 32 || h.toString('base64') !== l) throw new RequestError(`consistency proof line ${i + 1} is not a base64 SHA-256 hash`);
    return h;
  });
  return { oldSize, proof, note };
}

/** What the witness last cosigned for one origin. */
export interface CosignedState {
  size: number;
  /** Base64 root hash. */
  root: string;
  /** The checkpoint note as received (the log's signed statement, kept as evidence). */
  note: string;
}

export interface WitnessResponse {
  status: number;
  body: string;
  contentType: string;
  /** Set on 200: the origin's new state, to persist before the response is sent. */
  update?: { origin: string; state: CosignedState };
}

const text = (status: number, body: string): WitnessResponse => ({
  status,
  body: body.endsWith('\n') ? body : body + '\n',
  contentType: 'text/plain; charset=utf-8',
});

/**
 * Decides one add-checkpoint request. `logs` maps each known origin to the log keys trusted for
 * it; `current` gives the state for an origin (undefined = never cosigned).
 */
export function addCheckpoint(
  body: string,
  logs: ReadonlyMap<string, VerifierKey[]>,
  current: (origin: string) => CosignedState | undefined,
  key: WitnessSigner,
  nowSeconds: number,
): WitnessResponse {
  let req: AddCheckpointRequest;
  let cp: Checkpoint;
  let checkpointText: string;
  try {
    req = parseAddCheckpoint(body);
    checkpointText = parseNote(req.note).text;
    cp = parseCheckpointBody(checkpointText);
  } catch (e) {
    if (e instanceof RequestError || e instanceof NoteError) return text(400, `bad request: ${e.message}`);
    throw e;
  }
  const trusted = logs.get(cp.origin);
  if (!trusted) return text(404, 'unknown log origin');
  try {
    openNote(req.note, trusted);
  } catch (e) {
    return text(403, `checkpoint not signed by a key this witness trusts for the origin: ${(e as Error).message}`);
  }
  if (req.oldSize > cp.treeSize) return text(400, `old size ${req.oldSize} is larger than the checkpoint size ${cp.treeSize}`);
  const state = current(cp.origin);
  const known = state?.size ?? 0;
  if (req.oldSize !== known) return { status: 409, body: `${known}\n`, contentType: 'text/x.tlog.size' };
  if (state && req.oldSize === cp.treeSize) {
    if (state.root !== cp.rootHash.toString('base64')) return text(409, `a different root hash was cosigned at size ${cp.treeSize}`);
  } else if (req.oldSize === 0) {
    if (req.proof.length > 0) return text(422, 'the consistency proof from size 0 must be empty');
  } else {
    try {
      verifyConsistency(req.oldSize, cp.treeSize, Buffer.from(state!.root, 'base64'), cp.rootHash, req.proof);
    } catch (e) {
      return text(422, `consistency proof does not verify: ${(e as Error).message}`);
    }
  }
  return {
    status: 200,
    body: cosign(checkpointText, key, nowSeconds) + '\n',
    contentType: 'text/plain; charset=utf-8',
    update: { origin: cp.origin, state: { size: cp.treeSize, root: cp.rootHash.toString('base64'), note: req.note } },
  };
}
