import { keepsStateAcrossRuns } from './long-lived.js';

/**
 * Blob texts a long-lived process (the resident gate) read from git, kept from run to run by blob
 * id. A blob id names its content, so a kept text is the one git would give again; after an edit
 * a run then reads from git only the blobs it has not seen, instead of spawning `git cat-file`
 * for the program's unchanged imports and the changed functions' callers it read last time.
 * Bounded by characters, least recently used first out: a repository of 100 kLOC holds about
 * 4 MB of text, so the bound only matters for much larger ones.
 */
const MAX_CHARS = 64 * 1024 * 1024;

const texts = new Map<string, string>();
let chars = 0;

/** A kept text (and it becomes the most recently used), or undefined; always undefined in a process of its own. */
export function retainedText(hash: string): string | undefined {
  const t = texts.get(hash);
  if (t === undefined) return undefined;
  texts.delete(hash);
  texts.set(hash, t);
  return t;
}

/** Keeps texts just read from git, when this process runs the gate again and again. */
export function retainTexts(read: ReadonlyMap<string, string>): void {
  if (!keepsStateAcrossRuns()) return;
  for (const [hash, text] of read) {
    if (text.length > MAX_CHARS / 16 || texts.has(hash)) continue;
    texts.set(hash, text);
    chars += text.length;
  }
  for (const [hash, text] of texts) {
    if (chars <= MAX_CHARS) break;
    texts.delete(hash);
    chars -= text.length;
  }
}

/** Drops every kept text (one of them is no longer what git gives for its id). */
export function forgetRetainedTexts(): void {
  texts.clear();
  chars = 0;
}

/** How many texts and characters are kept (tests). */
export function retainedTextsSize(): { texts: number; chars: number } {
  return { texts: texts.size, chars };
}
