import { spawn } from 'node:child_process';
import { UsageError } from '../domain/errors.js';
import { hasLineBreak, requireRepository, unknownRevision } from './sources.js';

/** What a gate run reads from git before anything else: its two commits and its configuration. */
export interface ResolvedChange {
  baseCommit: string;
  /** null when the head names no commit (the caller says so when its order of checks comes to it). */
  headCommit: string | null;
  /**
   * The configuration file's text in the base commit when git gave it as a file; undefined when it
   * was not asked for or git gave no file: no such path, an object it cannot read, a folder by that
   * name, or git ended before the question (a head name such as `@{u}` without an upstream ends
   * it). The caller then asks git as it always did, which tells these apart.
   */
  configText?: string;
}

/** One object as `git cat-file --batch` answers it; undefined for a name it does not resolve. */
interface BatchRecord {
  id: string;
  type: string;
  content: Buffer;
}

/** The largest object read here (a configuration file larger than this is an error, never cut). */
const MAX_OBJECT_BYTES = 1 << 30;

const FOUND = /^([0-9a-f]{40}|[0-9a-f]{64}) (blob|tree|commit|tag) ([0-9]+)$/;

/**
 * One `git cat-file --batch` asked a few questions in turn: the next question may depend on an
 * answer (the configuration of the commit a name resolved to), and one process answers them all
 * where separate commands cost a process each. Names go on its standard input, one a line, so none
 * is ever read as an option. A name can end git instead of being answered (`@{u}` without an
 * upstream): every question after it has no answer.
 */
class BatchQuestions {
  private readonly child;
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(repoDir: string) {
    this.child = spawn('git', ['-C', repoDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'ignore'] });
    // git may exit before reading a question: the missing answer says so, not a broken pipe
    this.child.stdin.on('error', () => undefined);
    this.child.stdout.on('data', (b: Buffer) => {
      this.buffered = this.buffered.length === 0 ? b : Buffer.concat([this.buffered, b]);
      this.wake?.();
    });
    this.child.on('error', (err) => {
      this.failure = new UsageError(`cannot run git: ${err.message}`);
      this.ended = true;
      this.wake?.();
    });
    this.child.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
  }

  /** The answers to `names`, in order; undefined for each git did not resolve or answer. */
  async ask(names: string[]): Promise<(BatchRecord | undefined)[]> {
    if (names.some(hasLineBreak)) throw new Error('a name given to git cat-file has a line break');
    this.child.stdin.write(names.map((n) => `${n}\n`).join(''));
    const out: (BatchRecord | undefined)[] = [];
    for (let i = 0; i < names.length; i++) out.push(await this.next());
    return out;
  }

  /** Ends git's input and waits for it to exit. */
  async close(): Promise<void> {
    this.child.stdin.end();
    while (!this.ended) await new Promise<void>((r) => (this.wake = r));
  }

  private async next(): Promise<BatchRecord | undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      const record = this.take();
      if (record !== 'more') return record;
      if (this.ended) return undefined;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /** The first whole record in the buffer, or 'more' when it has not all arrived. */
  private take(): BatchRecord | undefined | 'more' {
    const nl = this.buffered.indexOf(10);
    if (nl < 0) return 'more';
    const header = this.buffered.subarray(0, nl).toString('utf8');
    const m = FOUND.exec(header);
    // `<name> missing` or `<name> ambiguous`: no content follows
    if (!m) {
      this.buffered = this.buffered.subarray(nl + 1);
      return undefined;
    }
    const size = Number(m[3]);
    if (size > MAX_OBJECT_BYTES) {
      this.child.kill();
      throw new UsageError(`git cat-file: object ${m[1]} is over ${MAX_OBJECT_BYTES} bytes`);
    }
    if (this.buffered.length < nl + 1 + size + 1) return 'more';
    const content = Buffer.from(this.buffered.subarray(nl + 1, nl + 1 + size));
    this.buffered = this.buffered.subarray(nl + 1 + size + 1);
    return { id: m[1]!, type: m[2]!, content };
  }
}

/**
 * Resolves a change's two revisions to commits and reads the configuration file of the base
 * commit, with one git process: it is asked the base and the head, then `<base commit>:<configPath>`
 * when a path is given (read from the commit the base resolved to, so the two cannot disagree). A
 * usage error names an unknown base, or a folder that is not in a git repository; an unknown head
 * is left to the caller, which reports it after the configuration's errors.
 */
export async function resolveChange(repoDir: string, revisions: { base: string; head: string }, configPath?: string): Promise<ResolvedChange> {
  const { base, head } = revisions;
  if (hasLineBreak(base)) throw unknownRevision(base);
  const questions = new BatchQuestions(repoDir);
  try {
    const headAsked = !hasLineBreak(head);
    const [baseObject, headObject] = await questions.ask(headAsked ? [`${base}^{commit}`, `${head}^{commit}`] : [`${base}^{commit}`]);
    if (baseObject?.type !== 'commit') {
      requireRepository(repoDir);
      throw unknownRevision(base);
    }
    const change: ResolvedChange = { baseCommit: baseObject.id, headCommit: headObject?.type === 'commit' ? headObject.id : null };
    if (configPath !== undefined && !hasLineBreak(configPath)) {
      const [config] = await questions.ask([`${baseObject.id}:${configPath}`]);
      if (config?.type === 'blob') change.configText = config.content.toString('utf8');
    }
    return change;
  } finally {
    await questions.close();
  }
}
