import { jsonPieces } from '../domain/json-pieces.js';

/**
 * Writes one piece; when the stream asks the writer to wait, resolves once that piece has been
 * handed on (every piece before it has then been too). A write's callback always comes, with the
 * error when the stream failed or was destroyed, even one that emits no event then: waiting for
 * it, unlike for `drain`, never hangs.
 */
function writePiece(stream: NodeJS.WritableStream, piece: Uint8Array | string): Promise<void> | undefined {
  let failure: Error | null | undefined;
  let settle: ((err: Error | null | undefined) => void) | undefined;
  const more = stream.write(piece, (err) => (settle ? settle(err) : (failure = err)));
  if (more && !failure) return undefined;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null | undefined): void => (err ? reject(err) : resolve());
    if (failure !== undefined) done(failure);
    else settle = done;
  });
}

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` and a line break, a piece at a time (see
 * jsonPieces): a result too long for one string is written all the same, and a pipe's reader
 * that lags keeps at most a piece or two waiting in this process. Rejects when the stream fails or
 * is closed before the end.
 */
export async function writeJson(stream: NodeJS.WritableStream, value: unknown): Promise<void> {
  for (const piece of jsonPieces(value, { space: 2 })) await writePiece(stream, piece);
  await writePiece(stream, '\n');
}
