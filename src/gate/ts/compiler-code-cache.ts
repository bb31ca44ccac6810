import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { readUtf8 } from '../utf8-file.js';
import { writePrivateFileAtomically } from '../private-file.js';
import { v8FlagsSetAtRunTime } from './v8-runtime-flags.js';

/**
 * Loads the TypeScript compiler (9 MB of CommonJS) with V8's code cache, so a process after the
 * first skips most of compiling it (about 0.1 s of every gate run that needs a program). Node 20
 * has no module compile cache; this does for one file what Node 22's does for all.
 *
 * The cache is executable: bytecode V8 runs after checking little more than its length and
 * version. It therefore lives only in a directory of the user's own (mode 0700, owned by this
 * uid, not a symlink), never in the gate's cache directory (which may be shared or configured
 * inside a checkout), and a cache file is read only when it is a regular file owned by this uid
 * and writable by nobody else. Anything else compiles from source as `require` would.
 * `BULWARK_COMPILE_CACHE=0` turns it off.
 */

const require = createRequire(import.meta.url);

interface Loaded {
  script: vm.Script;
  file: string;
  /** The cache file was missing or V8 rejected it: write one after the analysis. */
  stale: boolean;
  /** The V8 flags set at run time when the compiler was loaded (part of the file's name). */
  flags: string;
}

let loaded: Loaded | undefined;

/** How the compiler was loaded: without the cache (`off`, or `refused` for a directory that is not private), or with it. */
export type CodeCacheStatus = 'off' | 'refused' | 'miss' | 'hit' | 'rejected';
let status: CodeCacheStatus = 'off';

export function codeCacheStatus(): CodeCacheStatus {
  return status;
}

function cacheBase(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'bulwark', 'compile');
}

/** The private directory for code caches, created if missing; undefined when it is not private. */
function privateDir(): string | undefined {
  const dir = cacheBase();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** A file's bytes when it is a regular file of this uid that no one else can write (not followed through a symlink). */
function readOwnFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Puts the compiler into `require`'s module cache, compiled with the code cache when there is a
 * usable one, so every later `require('typescript')` gets it. Does nothing when it is already
 * loaded, or when the cache is off.
 */
export function preloadCompiler(): void {
  if (process.env.BULWARK_COMPILE_CACHE === '0') return;
  const filename = require.resolve('typescript');
  if (require.cache[filename]) return;
  const dir = privateDir();
  if (!dir) {
    status = 'refused';
    return;
  }
  const source = readUtf8(filename);
  const st = statSync(filename);
  const flags = v8FlagsSetAtRunTime();
  // V8 rejects a cache made under other flags: they come from the command line, NODE_OPTIONS
  // (which execArgv leaves out) and what this process set at run time
  const id = createHash('sha256')
    .update(
      `${filename}\0${st.size}\0${st.mtimeMs}\0${process.version}\0${process.arch}\0${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}\0${flags}`,
    )
    .digest('hex')
    .slice(0, 32);
  const file = path.join(dir, `typescript-${id}.v8`);
  const cachedData = readOwnFile(file);
  const wrapper = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
  const script = new vm.Script(wrapper, { filename, ...(cachedData ? { cachedData } : {}) });
  const mod = new Module(filename);
  mod.filename = filename;
  mod.paths = [];
  const fn = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: Module, f: string, d: string) => void;
  fn.call(mod.exports, mod.exports, createRequire(filename), mod, filename, path.dirname(filename));
  mod.loaded = true;
  require.cache[filename] = mod;
  status = !cachedData ? 'miss' : script.cachedDataRejected === true ? 'rejected' : 'hit';
  loaded = { script, file, stale: status !== 'hit', flags };
}

/**
 * Writes the code cache when the loaded one was missing or rejected. Called after an analysis:
 * the functions compiled while it ran are in the cache too. Failures only cost time next run.
 * Not when a V8 flag was set since the load: the cache would carry flags its file's name does not.
 */
export function persistCompilerCodeCache(): void {
  if (!loaded?.stale) return;
  const { script, file } = loaded;
  loaded.stale = false;
  if (loaded.flags !== v8FlagsSetAtRunTime()) return;
  try {
    writePrivateFileAtomically(file, script.createCachedData());
    pruneOthers(path.dirname(file), file);
  } catch {
    // a cache that cannot be written only costs time next run
  }
}

/** Code caches kept besides the current one (other Node versions, checkouts or flags); older ones are removed. */
const KEEP_OTHERS = 3;

function pruneOthers(dir: string, current: string): void {
  const others = readdirSync(dir)
    .filter((n) => /^typescript-[0-9a-f]{32}\.v8$/.test(n) && path.join(dir, n) !== current)
    .map((n) => ({ file: path.join(dir, n), mtime: statSync(path.join(dir, n)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { file } of others.slice(KEEP_OTHERS)) rmSync(file, { force: true });
}
