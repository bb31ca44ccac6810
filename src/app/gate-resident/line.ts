import type { Socket } from 'node:net';

/** The connection ended, failed or overflowed before a whole line arrived. */
export class LineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineError';
  }
}

/**
 * Newline-terminated lines from a socket, one `next()` at a time, read as UTF-8 once whole. What
 * arrives after a line's newline is kept for the next one (an acknowledgement and the answer
 * after it may come in one chunk). A line longer than `maxBytes` fails the reader and destroys
 * the socket; so does a peer that ends or fails before the line is whole.
 */
export class LineReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly lines: string[] = [];
  private failure: Error | undefined;
  private waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly maxBytes: number,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** The next line; rejects with a LineError when the connection cannot give one. */
  next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Stops reading (the socket's listeners are removed). */
  close(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
  }

  private readonly onData = (chunk: Buffer): void => {
    let rest = chunk;
    for (let nl = rest.indexOf(0x0a); nl >= 0; nl = rest.indexOf(0x0a)) {
      if (this.size + nl > this.maxBytes) return this.fail(new LineError(`a line longer than ${this.maxBytes} bytes`), true);
      this.chunks.push(rest.subarray(0, nl));
      this.deliver(Buffer.concat(this.chunks).toString('utf8'));
      this.chunks = [];
      this.size = 0;
      rest = rest.subarray(nl + 1);
    }
    this.size += rest.length;
    if (this.size > this.maxBytes) return this.fail(new LineError(`a line longer than ${this.maxBytes} bytes`), true);
    if (rest.length > 0) this.chunks.push(rest);
  };

  private readonly onEnd = (): void => this.fail(new LineError('the connection ended before a whole line'), false);
  private readonly onError = (err: Error): void => this.fail(new LineError(`the connection failed: ${err.message}`), false);

  private deliver(line: string): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w.resolve(line);
    else this.lines.push(line);
  }

  private fail(err: Error, destroy: boolean): void {
    if (this.failure) return;
    this.failure = err;
    this.close();
    if (destroy) this.socket.destroy();
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }
}

/** The first newline-terminated line the socket sends (without its newline); see {@link LineReader}. */
export async function readLine(socket: Socket, maxBytes: number): Promise<string> {
  const reader = new LineReader(socket, maxBytes);
  try {
    return await reader.next();
  } finally {
    reader.close();
  }
}
