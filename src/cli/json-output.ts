import { jsonPieces } from '../domain/json-pieces.js';

/** Resolves when `stream` asks for more (drain), rejects when it fails or closes first. */
function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onError = (err: Error): void => done(err);
    const onClose = (): void => done(new Error('the output closed before the JSON was written'));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` and a line break, a piece at a time (see
 * jsonPieces): a result too long for one string is written all the same, and a pipe's reader
 * that lags keeps at most a piece or two waiting in this process.
 */
export async function writeJson(stream: NodeJS.WritableStream, value: unknown): Promise<void> {
  for (const piece of jsonPieces(value, { space: 2 })) if (!stream.write(piece)) await drained(stream);
  if (!stream.write('\n')) await drained(stream);
}
