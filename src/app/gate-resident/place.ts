import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Why a resident gate cannot be used here; the caller evaluates in its own process instead. */
export class ResidentUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResidentUnavailable';
  }
}

/** Where one repository's resident gate listens and logs. */
export interface ResidentPlace {
  /** The user's private folder of resident gates (mode 0700). */
  dir: string;
  socket: string;
  log: string;
}

/**
 * The repository's socket, in a folder only this user can enter: `$XDG_RUNTIME_DIR` (a per-user
 * tmpfs) when set, else the temporary folder. Named by a hash of the work tree's top, so the path
 * stays under the 104 bytes a Unix socket's address can hold.
 */
export function residentPlace(repoTop: string, env: NodeJS.ProcessEnv = process.env): ResidentPlace {
  const runtime = env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : os.tmpdir();
  const dir = path.join(runtime, `bulwark-gate-${process.geteuid?.() ?? 'user'}`);
  const name = createHash('sha256').update(repoTop).digest('hex').slice(0, 16);
  return { dir, socket: path.join(dir, `${name}.sock`), log: path.join(dir, `${name}.log`) };
}

/**
 * Creates the folder private, or checks that the one there is: a real folder (not a link), owned
 * by this user, with no access for group or others. Anyone else who could enter it could put a
 * socket there that answers for the gate.
 */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ResidentUnavailable(`cannot create ${dir}: ${(err as Error).message}`);
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new ResidentUnavailable(`${dir} is not a folder`);
  const uid = process.geteuid?.();
  if (uid !== undefined && st.uid !== uid) throw new ResidentUnavailable(`${dir} belongs to uid ${st.uid}, not to this user (${uid})`);
  if ((st.mode & 0o077) !== 0) throw new ResidentUnavailable(`${dir} is open to others (mode ${(st.mode & 0o777).toString(8)}; it must be 700)`);
}
