import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../domain/errors.js';
import { formatWitnessSigner, generateWitnessSigner, parseWitnessKey, parseWitnessSigner, type WitnessKey, type WitnessSigner } from './cosignature.js';

/** Witness key files: the private key 0600, the public vkey beside it as `<file>.pub`. */

export function writeWitnessKeyPair(file: string, name: string, force = false): { keyFile: string; publicKeyFile: string; vkey: string } {
  const abs = path.resolve(file);
  const pub = `${abs}.pub`;
  if (!force && (existsSync(abs) || existsSync(pub))) throw new UsageError(`witness key ${abs} already exists (use --force to replace it)`);
  let key: WitnessSigner;
  try {
    key = generateWitnessSigner(name);
  } catch (e) {
    throw new UsageError(`--name: ${(e as Error).message}`);
  }
  mkdirSync(path.dirname(abs), { recursive: true, mode: 0o700 });
  const tmp = `${abs}.tmp-${process.pid}`;
  writeFileSync(tmp, formatWitnessSigner(key) + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(tmp, abs);
  writeFileSync(pub, key.text + '\n', { mode: 0o644 });
  return { keyFile: abs, publicKeyFile: pub, vkey: key.text };
}

export function loadWitnessSigner(file: string): WitnessSigner {
  let text: string;
  try {
    const st = lstatSync(file);
    if (!st.isFile()) throw new UsageError(`witness key ${file} is not a regular file`);
    if ((st.mode & 0o077) !== 0) throw new UsageError(`witness key ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read witness key ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parseWitnessSigner(text);
  } catch (e) {
    throw new UsageError(`witness key ${file}: ${(e as Error).message}`);
  }
}

/** A witness public key given as a vkey, or as a file holding one. */
export function loadWitnessKey(arg: string, what: string): WitnessKey {
  let text = arg;
  if (!/^[^\s+]+\+[0-9a-f]{8}\+/.test(arg)) {
    try {
      text = readFileSync(arg, 'utf8');
    } catch (e) {
      throw new UsageError(`${what} ${arg}: neither a witness vkey nor a readable file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  try {
    return parseWitnessKey(text);
  } catch (e) {
    throw new UsageError(`${what} ${arg}: ${(e as Error).message}`);
  }
}
