import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Git objects a long-lived process (the resident gate) keeps from run to run: each listed
 * commit's file listing (a commit's tree never changes) and the texts of the blobs the last run
 * read (a blob is named by its content's hash). A run after an edit then asks git only for the
 * new head's listing and the blobs the edit made.
 *
 * Git can substitute one object for another (`git replace`), and a substitution made while the
 * process runs would change what git answers for a name already kept. So objects are kept only
 * while the repository has no replace refs: none under `refs/replace/`, loose or packed. A
 * repository whose refs this does not read (reftable), or whose git folders the environment
 * moves (GIT_DIR, GIT_COMMON_DIR, GIT_REPLACE_REF_BASE), keeps nothing. Replacements switched
 * off (GIT_NO_REPLACE_OBJECTS, `core.useReplaceRefs`) only make the check stricter than needed.
 */
let keeping = false;
const listings = new Map<string, string>();
let blobs = new Map<string, string>();
/** Listings kept, the most recently used first: the base and a few heads. */
const KEPT_LISTINGS = 4;

/** Keeps git objects for the rest of the process (see above). */
export function keepGitObjects(): void {
  keeping = true;
}

/** The folder holding a work tree's refs: `.git`, or for a linked work tree the main one's. */
function commonDir(top: string): string | undefined {
  const dotGit = path.join(top, '.git');
  let gitDir: string;
  try {
    if (statSync(dotGit).isDirectory()) gitDir = dotGit;
    else {
      const m = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (!m) return undefined;
      gitDir = path.resolve(top, m[1]!.trim());
    }
    const common = path.join(gitDir, 'commondir');
    return existsSync(common) ? path.resolve(gitDir, readFileSync(common, 'utf8').trim()) : gitDir;
  } catch {
    return undefined;
  }
}

/** Whether git may answer a kept name differently now than when it was kept (see above). */
function mayReplace(top: string): boolean {
  if (process.env.GIT_DIR || process.env.GIT_COMMON_DIR || process.env.GIT_REPLACE_REF_BASE) return true;
  const common = commonDir(top);
  if (!common || existsSync(path.join(common, 'reftable'))) return true;
  try {
    if (readdirSync(path.join(common, 'refs', 'replace')).length > 0) return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return true;
  }
  try {
    return readFileSync(path.join(common, 'packed-refs'), 'utf8').includes(' refs/replace/');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** What a run may take from the kept objects of the work tree at `top`, or nothing when it keeps none (dropping what was kept). */
export function keptObjects(top: string): KeptObjects | undefined {
  if (!keeping) return undefined;
  if (mayReplace(top)) {
    listings.clear();
    blobs = new Map();
    return undefined;
  }
  return new KeptObjects(top);
}

export class KeptObjects {
  constructor(private readonly top: string) {}

  /** A commit's `git ls-tree` output, read by `read` unless kept. */
  async listing(commit: string, read: () => Promise<string>): Promise<string> {
    const key = `${this.top}\0${commit}`;
    let text = listings.get(key);
    listings.delete(key);
    text ??= await read();
    listings.set(key, text);
    if (listings.size > KEPT_LISTINGS) listings.delete(listings.keys().next().value!);
    return text;
  }

  /**
   * The texts of `hashes`, those not kept read by `read`; afterwards exactly these are kept. What
   * is kept is taken before reading, so a run beside this one that keeps others loses nothing.
   */
  async blobs(hashes: string[], read: (missing: string[]) => Promise<Map<string, string>>): Promise<Map<string, string>> {
    const texts = new Map<string, string>();
    const missing: string[] = [];
    for (const h of hashes) {
      const t = blobs.get(h);
      if (t === undefined) missing.push(h);
      else texts.set(h, t);
    }
    if (missing.length > 0) for (const [h, t] of await read(missing)) texts.set(h, t);
    blobs = texts;
    return texts;
  }
}
