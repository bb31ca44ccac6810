import type { Socket } from 'node:net';

/** The connection ended, failed or overflowed before a whole line arrived. */
export class LineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineError';
  }
}

/**
 * The first newline-terminated line the socket sends (without its newline), read as UTF-8 once
 * whole. Rejects when the peer ends or fails first, or sends more than `maxBytes` before the newline.
 */
export function readLine(socket: Socket, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: Error | null, line?: string): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onEnd);
      if (err) reject(err);
      else resolve(line ?? '');
    };
    const onData = (chunk: Buffer): void => {
      const nl = chunk.indexOf(0x0a);
      if (nl >= 0 && size + nl <= maxBytes) {
        chunks.push(chunk.subarray(0, nl));
        done(null, Buffer.concat(chunks).toString('utf8'));
        return;
      }
      size += chunk.length;
      if (nl >= 0 || size > maxBytes) {
        done(new LineError(`a line longer than ${maxBytes} bytes`));
        socket.destroy();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => done(new LineError('the connection ended before a whole line'));
    const onError = (err: Error): void => done(new LineError(`the connection failed: ${err.message}`));
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
  });
}
