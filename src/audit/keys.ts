import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';
import { publicKeyPathFor } from './locations.js';
import { formatSignerKey, formatVerifierKey, generateSignerKey, parseSignerKey, parseVerifierKey, type SignerKey, type VerifierKey } from './note.js';

/** Default key name (the name in signature lines and in the vkey). */
export const DEFAULT_KEY_NAME = 'bulwark-audit';

/** The git work tree containing `p` (walking up for a `.git` entry), or undefined. */
export function enclosingWorkTree(p: string): string | undefined {
  let dir = path.resolve(p);
  for (;;) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface KeygenResult {
  keyFile: string;
  publicKeyFile: string;
  verifierKey: string;
}

/**
 * Writes a new key pair: the private key 0600 at `keyFile`, the vkey at `<keyFile>.pub`. Refuses
 * to overwrite, and refuses a path inside a git work tree (a key committed by accident is a key
 * anyone can re-sign the log with) unless forced.
 */
export function writeKeyPair(keyFile: string, opts: { name?: string; force?: boolean; allowInRepo?: boolean } = {}): KeygenResult {
  const file = path.resolve(keyFile);
  const repo = enclosingWorkTree(path.dirname(file));
  if (repo && !opts.allowInRepo) {
    throw new UsageError(`refusing to write a signing key inside the git work tree ${repo} (use --force-in-repo to override)`);
  }
  const pubFile = publicKeyPathFor(file);
  if (!opts.force && (existsSync(file) || existsSync(pubFile))) {
    throw new UsageError(`key file ${file} already exists (use --force to replace it)`);
  }
  const key = generateSignerKey(opts.name ?? DEFAULT_KEY_NAME);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Write to a temporary name first so a crash never leaves a truncated key behind.
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, formatSignerKey(key) + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
  const vkey = formatVerifierKey(key);
  writeFileSync(pubFile, vkey + '\n', { mode: 0o644 });
  return { keyFile: file, publicKeyFile: pubFile, verifierKey: vkey };
}

export function loadSignerKey(file: string): SignerKey {
  let text: string;
  try {
    const st = lstatSync(file);
    if (!st.isFile()) throw new UsageError(`signing key ${file} is not a regular file`);
    if ((st.mode & 0o077) !== 0) throw new UsageError(`signing key ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read signing key ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parseSignerKey(text);
  } catch (e) {
    throw new UsageError(`signing key ${file}: ${(e as Error).message}`);
  }
}

export function loadVerifierKey(file: string): VerifierKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read trusted key ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parseVerifierKey(text);
  } catch (e) {
    throw new UsageError(`trusted key ${file}: ${(e as Error).message}`);
  }
}
