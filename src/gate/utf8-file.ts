import { readFileSync } from 'node:fs';

/**
 * A file's text (by path, or from an open descriptor), read as bytes and then decoded: Node 20's `readFileSync(file, 'utf8')` takes
 * about twice as long on files of megabytes (the caches' packs, the compiler's 9 MB source).
 * The decoding is the same (malformed sequences become U+FFFD either way).
 */
export function readUtf8(file: string | number): string {
  return readFileSync(file).toString('utf8');
}
