import type { GitBatch } from './git-batch.js';
import { retainedText, retainTexts } from './retained-texts.js';
import { readBlobs, readBlobsInBackground } from './sources.js';

/** Up to this many blobs are read through the run's open `git cat-file --batch`; more through a file of their own (readBlobsInBackground). */
const BATCH_READ_MAX = 64;

/**
 * The texts of one run's blobs, read from git only when something needs them. A warm run has the
 * facts of every unchanged file cached by blob id, so it reads the changed files and whatever its
 * caches do not answer, not both revisions whole. Whoever knows it will need many texts asks for
 * them together (one `git cat-file --batch`); a text nobody asked for beforehand is read on its
 * own when first used, which is correct but costs a git process, and is counted. In a long-lived
 * process a text read by an earlier run is taken from what that run kept (retained-texts.ts), and
 * checked against git before the run's answer counts (`takenAsGitGivesThem`).
 */
export class BlobTexts {
  private readonly texts = new Map<string, string>();
  /** Blobs read from git, in batches or alone. */
  read = 0;
  /** Of those, blobs read alone because nothing asked for them beforehand. */
  readAlone = 0;
  /** Texts taken from what earlier runs of this process read, not from git, by blob id. */
  private readonly taken = new Map<string, string>();
  /** How many texts were taken so (each blob once: a taken text is this run's from then on). */
  get retained(): number {
    return this.taken.size;
  }

  /**
   * `repoDir` undefined: only the texts given can be had (a missing one is an error). `batch`: the
   * run's open `git cat-file --batch`, through which a few blobs are read without a process of their own.
   */
  constructor(
    private readonly repoDir: string | undefined,
    given?: ReadonlyMap<string, string>,
    private readonly batch?: GitBatch,
  ) {
    if (given) for (const [h, t] of given) this.texts.set(h, t);
  }

  /** The blobs not read yet, none when all are; an error when some are missing and there is no repository to read them from. */
  private missing(hashes: Iterable<string>): { repoDir: string; hashes: string[] } | undefined {
    const out = new Set<string>();
    for (const h of hashes) {
      if (this.texts.has(h)) continue;
      const kept = retainedText(h);
      if (kept === undefined) out.add(h);
      else {
        this.texts.set(h, kept);
        this.taken.set(h, kept);
      }
    }
    if (out.size === 0) return undefined;
    if (this.repoDir === undefined) throw new Error(`blob ${out.values().next().value} was not read`);
    return { repoDir: this.repoDir, hashes: [...out] };
  }

  private keep(read: Map<string, string>): void {
    for (const [h, t] of read) this.texts.set(h, t);
    this.read += read.size;
    retainTexts(read);
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

  /**
   * Reads the blobs not read yet through the run's open batch when they are few (a warm run's);
   * false when they are many, there is no batch, or git gave one of them as no blob (the caller
   * then reads them the usual way, whose error is the one reported). Only while this thread is
   * free to drain git's pipe: git waits each 64 KiB until it is read.
   */
  async readFew(hashes: Iterable<string>): Promise<boolean> {
    const m = this.missing(hashes);
    if (!m) return true;
    if (!this.batch || m.hashes.length > BATCH_READ_MAX) return false;
    const read = await blobsThrough(this.batch, m.hashes);
    if (read) this.keep(read);
    return read !== undefined;
  }

  /**
   * Whether git gives every text this run took from an earlier run's reads as it was taken: a
   * blob since gone from the object store, or replaced (`git replace`), makes it false, and the
   * run's answer is not the one a process of its own would give.
   */
  async takenAsGitGivesThem(): Promise<boolean> {
    if (this.taken.size === 0) return true;
    const hashes = [...this.taken.keys()];
    let now: Map<string, string> | undefined;
    if (this.batch) now = await blobsThrough(this.batch, hashes);
    else if (this.repoDir !== undefined) {
      try {
        now = readBlobs(this.repoDir, hashes);
      } catch {
        now = undefined;
      }
    }
    return now !== undefined && hashes.every((h) => now.get(h) === this.taken.get(h));
  }

  /** A blob's text, read now (alone) if nobody asked for it before. */
  text(hash: string): string {
    let t = this.texts.get(hash);
    if (t === undefined) {
      const read = this.read;
      this.readNow([hash]);
      if (this.read > read) this.readAlone++;
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

/** The blobs' texts through an open batch, as readBlobs decodes them; undefined when git gives one of them as no blob. */
async function blobsThrough(batch: GitBatch, hashes: string[]): Promise<Map<string, string> | undefined> {
  let records;
  try {
    records = await batch.ask(hashes);
  } catch {
    return undefined;
  }
  const out = new Map<string, string>();
  for (const [i, r] of records.entries()) {
    if (r?.type !== 'blob' || r.id !== hashes[i]) return undefined;
    out.set(r.id, r.content.toString('utf8'));
  }
  return out;
}
