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
  checkParent(path.dirname(dir));
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

/**
 * The folder holding the private one must not let anyone else rename or replace it: owned by this
 * user or by root, and when others may write it, sticky (as /tmp is), so only an entry's owner
 * can rename it.
 */
function checkParent(parent: string): void {
  let st;
  try {
    st = lstatSync(parent);
  } catch (err) {
    throw new ResidentUnavailable(`cannot read ${parent}: ${(err as Error).message}`);
  }
  const uid = process.geteuid?.();
  if (!st.isDirectory()) throw new ResidentUnavailable(`${parent} is not a folder`);
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) throw new ResidentUnavailable(`${parent} belongs to uid ${st.uid}, neither this user nor root`);
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) {
    throw new ResidentUnavailable(`${parent} may be written by others and is not sticky (mode ${(st.mode & 0o7777).toString(8)})`);
  }
}

/**
 * Whether the socket file is one this user's resident gate made: a socket owned by this user.
 * Checked before each connection, so nothing put in its place is asked; false when there is none.
 */
export function ownSocket(socket: string): boolean {
  let st;
  try {
    st = lstatSync(socket);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ResidentUnavailable(`cannot read ${socket}: ${(err as Error).message}`);
  }
  const uid = process.geteuid?.();
  if (!st.isSocket() || (uid !== undefined && st.uid !== uid)) throw new ResidentUnavailable(`${socket} is not a socket of this user's`);
  return true;
}
