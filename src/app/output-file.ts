import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';

/** Writes an output file whole or not at all (temp file + rename); a failure names the flag. */
export function writeOutputFile(flag: string, file: string, text: string): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    throw new UsageError(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
