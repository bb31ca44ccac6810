import { spawn } from 'node:child_process';
import { UsageError } from '../domain/errors.js';
import { hasLineBreak } from './sources.js';

/** One object as `git cat-file --batch` answers it. */
export interface BatchRecord {
  id: string;
  type: string;
  content: Buffer;
}

/** The largest object read here (a larger one is an error, never cut). */
const MAX_OBJECT_BYTES = 1 << 30;

const FOUND = /^([0-9a-f]{40}|[0-9a-f]{64}) (blob|tree|commit|tag) ([0-9]+)$/;

/**
 * One `git cat-file --batch` asked questions in turn for the length of a gate run: the next
 * question may depend on an answer (the configuration of the commit a name resolved to), and one
 * process answers them all where separate commands cost a process each (5–10 ms apiece to start
 * from a large process here). Names go on its standard input, one a line, so none is ever read as
 * an option. A name can end git instead of being answered (`@{u}` without an upstream): every
 * question after it has no answer.
 */
export class GitBatch {
  private readonly child;
  /** What git wrote and no record has taken yet, in the order it came. */
  private chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private failure: Error | undefined;
  /** Whether close() was called: later questions get no answer, and are not written. */
  private closing = false;
  /** Who waits for more output or the end (an answer being read, close()): all are woken. */
  private waiting: (() => void)[] = [];
  /** Questions asked while others wait for their answers queue behind them: answers come in order. */
  private turn: Promise<unknown> = Promise.resolve();
  private asking = 0;

  constructor(repoDir: string) {
    this.child = spawn('git', ['-C', repoDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'ignore'] });
    // git may exit before reading a question: the missing answer says so, not a broken pipe
    this.child.stdin.on('error', () => undefined);
    this.child.stdout.on('data', (b: Buffer) => {
      this.chunks.push(b);
      this.size += b.length;
      this.wakeAll();
    });
    this.child.on('error', (err) => {
      this.failure = new UsageError(`cannot run git: ${err.message}`);
      this.ended = true;
      this.wakeAll();
    });
    this.child.on('close', () => {
      this.ended = true;
      this.wakeAll();
    });
  }

  /** The answers to `names`, in order; undefined for each git did not resolve or answer. */
  ask(names: readonly string[]): Promise<(BatchRecord | undefined)[]> {
    if (names.some(hasLineBreak)) return Promise.reject(new Error('a name given to git cat-file has a line break'));
    // none waiting: to git at once (before whatever the caller starts next), else in turn
    const answers = this.asking === 0 ? this.answer(names) : this.turn.then(() => this.answer(names));
    this.asking++;
    this.turn = answers.catch(() => undefined).finally(() => this.asking--);
    return answers;
  }

  private async answer(names: readonly string[]): Promise<(BatchRecord | undefined)[]> {
    if (this.closing) return names.map(() => undefined);
    if (names.length === 0) return [];
    this.child.stdin.write(names.map((n) => `${n}\n`).join(''));
    const out: (BatchRecord | undefined)[] = [];
    for (let i = 0; i < names.length; i++) out.push(await this.next());
    return out;
  }

  /** Ends git's input and waits for it to exit; an answer still being read gets what git wrote before it ended. */
  async close(): Promise<void> {
    this.closing = true;
    this.child.stdin.end();
    while (!this.ended) await this.more();
  }

  private wakeAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }

  private more(): Promise<void> {
    return new Promise<void>((r) => this.waiting.push(r));
  }

  private async next(): Promise<BatchRecord | undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      const record = this.take();
      if (record !== 'more') return record;
      if (this.ended) return undefined;
      await this.more();
    }
  }

  /** The first `n` bytes waiting, as one buffer (the chunks they span joined once). */
  private front(n: number): Buffer {
    if (this.chunks[0]!.length < n) {
      const joined = Buffer.concat(this.chunks, this.size);
      this.chunks = [joined];
    }
    return this.chunks[0]!.subarray(0, n);
  }

  /** Drops the first `n` bytes waiting. */
  private consume(n: number): void {
    this.size -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      if (c.length > n) {
        this.chunks[0] = c.subarray(n);
        return;
      }
      n -= c.length;
      this.chunks.shift();
    }
  }

  /** The first whole record waiting, or 'more' when it has not all arrived. */
  private take(): BatchRecord | undefined | 'more' {
    if (this.size === 0) return 'more';
    // a header is short; it lies in the first chunk unless that one is a tail
    let nl = this.chunks[0]!.indexOf(10);
    if (nl < 0) {
      if (this.chunks.length === 1) return 'more';
      nl = this.front(this.size).indexOf(10);
      if (nl < 0) return 'more';
    }
    const header = this.front(nl).toString('utf8');
    const m = FOUND.exec(header);
    // `<name> missing` or `<name> ambiguous`: no content follows
    if (!m) {
      this.consume(nl + 1);
      return undefined;
    }
    const size = Number(m[3]);
    if (size > MAX_OBJECT_BYTES) {
      this.child.kill();
      throw new UsageError(`git cat-file: object ${m[1]} is over ${MAX_OBJECT_BYTES} bytes`);
    }
    const whole = nl + 1 + size + 1;
    if (this.size < whole) return 'more';
    const content = Buffer.from(this.front(whole).subarray(nl + 1, nl + 1 + size));
    this.consume(whole);
    return { id: m[1]!, type: m[2]!, content };
  }
}
