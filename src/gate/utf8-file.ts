import { readFileSync } from 'node:fs';

/**
 * A file's text, read as bytes and then decoded: Node 20's `readFileSync(file, 'utf8')` takes
 * about twice as long on files of megabytes (the caches' packs, the compiler's 9 MB source).
 * The decoding is the same (malformed sequences become U+FFFD either way).
 */
export function readUtf8(file: string): string {
  return readFileSync(file).toString('utf8');
}
