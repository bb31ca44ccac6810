import { jsonPieces } from '../domain/json-pieces.js';

/** How much may wait in this process for a slow reader before the writing waits for it. */
const MAX_WAITING_BYTES = 8 * 1024 * 1024;

/**
 * Writes one piece; when more than MAX_WAITING_BYTES wait to be handed on (or when `last`),
 * resolves once this piece has been (every piece before it has then been too). A write's callback
 * always comes, with the error when the stream failed or was destroyed, even one that emits no
 * event then: waiting for it, unlike for `drain`, never hangs. An answer of a few megabytes is
 * written without a wait, as one string was: waiting for a pipe's reader at every piece made
 * `bulwark gate --json` 3–5 % slower.
 */
function writePiece(stream: NodeJS.WritableStream & { writableLength?: number }, piece: Uint8Array | string, last: boolean): Promise<void> | undefined {
  let failure: Error | null | undefined;
  let settle: ((err: Error | null | undefined) => void) | undefined;
  stream.write(piece, (err) => (settle ? settle(err) : (failure = err)));
  if (!last && !failure && (stream.writableLength ?? 0) <= MAX_WAITING_BYTES) return undefined;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null | undefined): void => (err ? reject(err) : resolve());
    if (failure !== undefined) done(failure);
    else settle = done;
  });
}

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` and a line break, a piece at a time (see
 * jsonPieces): a result too long for one string is written all the same, and a pipe's reader
 * that lags keeps at most MAX_WAITING_BYTES and a piece waiting in this process. Resolves once
 * the stream has taken the last piece; rejects when it fails or is closed before.
 */
export async function writeJson(stream: NodeJS.WritableStream, value: unknown): Promise<void> {
  for (const piece of jsonPieces(value, { space: 2 })) await writePiece(stream, piece, false);
  await writePiece(stream, '\n', true);
}
