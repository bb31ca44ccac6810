import { accessSync, constants, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';

/**
 * Checks of the files a command will read and write, made before anything runs: a run that
 * would end by failing to write its result must fail before it spends a model call, and without
 * leaving anything behind (nothing is created or opened for writing here).
 */

export interface PathFlag {
  /** The flag that named the path, e.g. `--output`, for the error message. */
  flag: string;
  file: string;
}

function statOf(p: string): Stats | null {
  try {
    return statSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const why = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * The file can be written as the commands write outputs (a temporary file beside it, then a
 * rename): its folder exists and is writable, and the file itself, if it exists, is a writable
 * regular file.
 */
export function checkWritable({ flag, file }: PathFlag): void {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  let d: Stats | null;
  let f: Stats | null;
  try {
    d = statOf(dir);
    if (!d) throw new UsageError(`${flag} ${file}: cannot write: folder ${dir} does not exist`);
    if (!d.isDirectory()) throw new UsageError(`${flag} ${file}: cannot write: ${dir} is not a folder`);
    accessSync(dir, constants.W_OK | constants.X_OK);
    f = statOf(abs);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${flag} ${file}: cannot write to folder ${dir} (${why(err)})`);
  }
  if (!f) return;
  if (f.isDirectory()) throw new UsageError(`${flag} ${file}: cannot write: it is a folder`);
  try {
    accessSync(abs, constants.W_OK);
  } catch (err) {
    throw new UsageError(`${flag} ${file}: cannot write (${why(err)})`);
  }
}

/** The file exists and can be read (`-`, standard input, is not checked). A folder passes only with `folderOk`. */
export function checkReadable({ flag, file }: PathFlag, opts: { folderOk?: boolean } = {}): void {
  if (file === '-') return;
  let s: Stats | null;
  try {
    s = statOf(file);
    if (!s) throw new UsageError(`${flag} ${file}: cannot read: no such file`);
    accessSync(file, constants.R_OK);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${flag} ${file}: cannot read (${why(err)})`);
  }
  if (s.isDirectory() && !opts.folderOk) throw new UsageError(`${flag} ${file}: cannot read: it is a folder, not a file`);
}

/** Every check at once, outputs after inputs; the first failure is the error. */
export function preflight(inputs: (PathFlag & { folderOk?: boolean })[], outputs: PathFlag[]): void {
  for (const i of inputs) checkReadable(i, i.folderOk ? { folderOk: true } : {});
  const seen = new Map<string, string>();
  for (const o of outputs) {
    checkWritable(o);
    // two outputs on one path would overwrite each other after the run
    const prev = seen.get(path.resolve(o.file));
    if (prev) throw new UsageError(`${o.flag} ${o.file}: the same file as ${prev}`);
    seen.set(path.resolve(o.file), o.flag);
  }
}
