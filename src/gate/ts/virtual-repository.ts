import { createHash } from 'node:crypto';
import { readTextsOf } from '../blob-texts.js';
import { VIRTUAL_ROOT } from './compiler.js';

/** A file as an analysis is given it: its text may be read only when first used (see blob-texts.ts). */
export interface RepositoryFile {
  path: string;
  readonly text: string;
  hash?: string;
}

/**
 * The in-memory copy of one revision's files under {@link VIRTUAL_ROOT} (so base and head
 * revisions never touch the working tree): their texts, content hashes and the directories that
 * hold them. A text is read when first asked for: the analysis asks only for the files it parses
 * (it plans the rest by their cached facts), and `readTexts` reads many together.
 */
export class VirtualRepository {
  private readonly files = new Map<string, RepositoryFile>();
  private readonly texts = new Map<string, string>();
  readonly hashes = new Map<string, string>();
  /** Every directory holding a repository file, the root included (without a trailing slash). */
  readonly directories = new Set<string>([VIRTUAL_ROOT.slice(0, -1)]);
  /** Every file's virtual path, in the order given. */
  readonly all: string[];

  constructor(files: RepositoryFile[]) {
    for (const f of files) {
      this.files.set(VIRTUAL_ROOT + f.path, f);
      this.hashes.set(VIRTUAL_ROOT + f.path, f.hash ?? createHash('sha1').update(f.text).digest('hex'));
    }
    for (const f of this.files.keys()) {
      for (let i = f.lastIndexOf('/'); i >= VIRTUAL_ROOT.length; i = f.lastIndexOf('/', i - 1)) {
        const d = f.slice(0, i);
        if (this.directories.has(d)) break;
        this.directories.add(d);
      }
    }
    this.all = [...this.files.keys()];
  }

  has(f: string): boolean {
    return this.files.has(f);
  }

  /** A file's text (without a byte-order mark, which the compiler's own file reading drops too). */
  text(f: string): string {
    let t = this.texts.get(f);
    if (t === undefined) {
      const file = this.files.get(f);
      if (!file) throw new Error(`${f} is not a file of this repository`);
      t = file.text;
      if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
      this.texts.set(f, t);
    }
    return t;
  }

  /** Reads the texts of these files together (one git process), before they are asked for one by one. */
  readTexts(files: Iterable<string>): void {
    const sources: RepositoryFile[] = [];
    for (const f of files) {
      const file = this.files.get(f);
      if (file && !this.texts.has(f)) sources.push(file);
    }
    readTextsOf(sources);
  }

  /** Identifies the set of file paths (module resolution depends on which files exist). */
  pathsKey(): string {
    return createHash('sha1')
      .update([...this.files.keys()].sort().join('\n'))
      .digest('hex');
  }

  /** Cache key of a file's syntax facts: its content and path. */
  factsKey(f: string): string {
    return `${this.hashes.get(f)}:${f.slice(VIRTUAL_ROOT.length)}`;
  }
}
