import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes a file whole or not at all, readable only by its owner: a temporary file beside it,
 * created exclusively (a symlink planted at that name is never followed) with mode 0600, then
 * renamed over the file. On failure the temporary file is removed and the error is thrown.
 */
export function writePrivateFileAtomically(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  try {
    writeFileSync(tmp, data, { flag: 'wx', mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
