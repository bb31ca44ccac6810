import { readBlobs, readBlobsInBackground } from './sources.js';

/**
 * The texts of one run's blobs, read from git only when something needs them. A warm run has the
 * facts of every unchanged file cached by blob id, so it reads the changed files and whatever its
 * caches do not answer, not both revisions whole. Whoever knows it will need many texts asks for
 * them together (one `git cat-file --batch`); a text nobody asked for beforehand is read on its
 * own when first used, which is correct but costs a git process, and is counted.
 */
export class BlobTexts {
  private readonly texts = new Map<string, string>();
  /** Blobs read from git, in batches or alone. */
  read = 0;
  /** Of those, blobs read alone because nothing asked for them beforehand. */
  readAlone = 0;

  /** `repoDir` undefined: only the texts given can be had (a missing one is an error). */
  constructor(
    private readonly repoDir: string | undefined,
    given?: ReadonlyMap<string, string>,
  ) {
    if (given) for (const [h, t] of given) this.texts.set(h, t);
  }

  /** The blobs not read yet, none when all are; an error when some are missing and there is no repository to read them from. */
  private missing(hashes: Iterable<string>): { repoDir: string; hashes: string[] } | undefined {
    const out = new Set<string>();
    for (const h of hashes) if (!this.texts.has(h)) out.add(h);
    if (out.size === 0) return undefined;
    if (this.repoDir === undefined) throw new Error(`blob ${out.values().next().value} was not read`);
    return { repoDir: this.repoDir, hashes: [...out] };
  }

  private keep(read: Map<string, string>): void {
    for (const [h, t] of read) this.texts.set(h, t);
    this.read += read.size;
  }

  /** Reads the blobs not read yet, in one git process. */
  readNow(hashes: Iterable<string>): void {
    const m = this.missing(hashes);
    if (m) this.keep(readBlobs(m.repoDir, m.hashes));
  }

  /** `readNow` while the caller goes on working (see readBlobsInBackground). */
  async readInBackground(hashes: Iterable<string>): Promise<void> {
    const m = this.missing(hashes);
    if (m) this.keep(await readBlobsInBackground(m.repoDir, m.hashes));
  }

  /** A blob's text, read now (alone) if nobody asked for it before. */
  text(hash: string): string {
    let t = this.texts.get(hash);
    if (t === undefined) {
      this.readNow([hash]);
      this.readAlone++;
      t = this.texts.get(hash)!;
    }
    return t;
  }
}

/** The blob behind each source whose text is read lazily, so readTextsOf can read many together. */
const owners = new WeakMap<object, { blobs: BlobTexts; hash: string }>();

/**
 * `fields` with a `text` read from the blob when first used: an own, enumerable property, so a
 * spread of the source copies the text (reading it) rather than dropping it.
 */
export function lazySource<T extends object>(fields: T, blobs: BlobTexts, hash: string): T & { readonly text: string } {
  const s = Object.defineProperty(fields, 'text', { enumerable: true, get: () => blobs.text(hash) }) as T & { readonly text: string };
  owners.set(s, { blobs, hash });
  return s;
}

/** Reads the texts of these sources that are read lazily and not read yet, one git process per run's blobs. */
export function readTextsOf(sources: Iterable<object>): void {
  const byBlobs = new Map<BlobTexts, string[]>();
  for (const s of sources) {
    const o = owners.get(s);
    if (!o) continue;
    let l = byBlobs.get(o.blobs);
    if (!l) byBlobs.set(o.blobs, (l = []));
    l.push(o.hash);
  }
  for (const [blobs, hashes] of byBlobs) blobs.readNow(hashes);
}
