import { createHash } from 'node:crypto';
import { VIRTUAL_ROOT } from './compiler.js';

/**
 * The in-memory copy of one revision's files under {@link VIRTUAL_ROOT} (so base and head
 * revisions never touch the working tree): their texts, content hashes and the directories that
 * hold them.
 */
export class VirtualRepository {
  readonly texts = new Map<string, string>();
  readonly hashes = new Map<string, string>();
  /** Every directory holding a repository file, the root included (without a trailing slash). */
  readonly directories = new Set<string>([VIRTUAL_ROOT.slice(0, -1)]);
  /** Every file's virtual path, in the order given. */
  readonly all: string[];

  constructor(files: { path: string; text: string; hash?: string }[]) {
    for (const f of files) {
      // a byte-order mark is not part of the program (the compiler's own file reading drops it)
      this.texts.set(VIRTUAL_ROOT + f.path, f.text.charCodeAt(0) === 0xfeff ? f.text.slice(1) : f.text);
      this.hashes.set(VIRTUAL_ROOT + f.path, f.hash ?? createHash('sha1').update(f.text).digest('hex'));
    }
    for (const f of this.texts.keys()) {
      for (let i = f.lastIndexOf('/'); i >= VIRTUAL_ROOT.length; i = f.lastIndexOf('/', i - 1)) {
        const d = f.slice(0, i);
        if (this.directories.has(d)) break;
        this.directories.add(d);
      }
    }
    this.all = [...this.texts.keys()];
  }

  /** Identifies the set of file paths (module resolution depends on which files exist). */
  pathsKey(): string {
    return createHash('sha1')
      .update([...this.texts.keys()].sort().join('\n'))
      .digest('hex');
  }

  /** Cache key of a file's syntax facts: its content and path. */
  factsKey(f: string): string {
    return `${this.hashes.get(f)}:${f.slice(VIRTUAL_ROOT.length)}`;
  }
}
