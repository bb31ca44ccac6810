import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const srcTs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/gate/ts');
const loader = path.join(srcTs, 'compiler-code-cache.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-code-cache-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** What a test process does besides loading the compiler, using it and writing the cache. */
interface Steps {
  /** A V8 flag it sets at run time before it loads the compiler. */
  flagBeforeLoad?: string;
  /** A V8 flag it sets at run time after the load, before it writes the cache. */
  flagBeforePersist?: string;
  /** Forces a collection (as the gate does between programs) before it writes the cache. */
  collectBeforePersist?: boolean;
}

/**
 * A fresh process that loads the compiler through the cache, uses it, and writes the cache. The
 * script is the same for every step (Node counts `-e` and its text among the flags the cache is
 * keyed by): the steps come in its environment.
 */
function load(cacheHome: string, env: Record<string, string> = {}, steps: Steps = {}): { status: string; version: string } {
  const script = [
    `import { createRequire } from 'node:module';`,
    `const m = await import(${JSON.stringify(loader)});`,
    `const { collectGarbage } = await import(${JSON.stringify(path.join(srcTs, '..', 'collect-garbage.js'))});`,
    `const { setV8Flag } = await import(${JSON.stringify(path.join(srcTs, 'v8-runtime-flags.js'))});`,
    `const steps = JSON.parse(process.env.TEST_STEPS);`,
    `if (steps.flagBeforeLoad) setV8Flag(steps.flagBeforeLoad);`,
    `m.preloadCompiler();`,
    `const ts = createRequire(${JSON.stringify(loader)})('typescript');`,
    `ts.createSourceFile('a.ts', 'export const x: number = 1;', ts.ScriptTarget.ES2022, true);`,
    `if (steps.flagBeforePersist) setV8Flag(steps.flagBeforePersist);`,
    `if (steps.collectBeforePersist) collectGarbage();`,
    `m.persistCompilerCodeCache();`,
    `console.log(JSON.stringify({ status: m.codeCacheStatus(), version: ts.version }));`,
  ].join('\n');
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: cacheHome, TEST_STEPS: JSON.stringify(steps), ...env },
  });
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout.trim()) as { status: string; version: string };
}

describe('the compiler code cache', () => {
  it('is written by the first process and used by the next, in a private directory', () => {
    const home = path.join(tmp, 'fresh');
    const first = load(home);
    assert.equal(first.status, 'miss');
    assert.match(first.version, /^5\./);
    const dir = path.join(home, 'bulwark', 'compile');
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.equal(load(home).status, 'hit');
  });

  it('is not used from a directory others can write', () => {
    const home = path.join(tmp, 'shared');
    const dir = path.join(home, 'bulwark', 'compile');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    assert.equal(load(home).status, 'refused');
    assert.deepEqual(readdirSync(dir), [], 'nothing is written there');
  });

  it('ignores a cache file others can write, or one reached through a symlink, and replaces it', () => {
    const home = path.join(tmp, 'planted');
    load(home);
    const dir = path.join(home, 'bulwark', 'compile');
    const [name] = readdirSync(dir);
    const file = path.join(dir, name!);
    chmodSync(file, 0o666);
    assert.equal(load(home).status, 'miss');
    assert.equal(load(home).status, 'hit', 'replaced by a private file');
    const elsewhere = path.join(tmp, 'elsewhere.v8');
    writeFileSync(elsewhere, 'not bytecode');
    rmSync(file);
    symlinkSync(elsewhere, file);
    assert.equal(load(home).status, 'miss');
  });

  it('is rejected by V8 when the bytes are not its own, and the compiler still loads', () => {
    const home = path.join(tmp, 'damaged');
    load(home);
    const dir = path.join(home, 'bulwark', 'compile');
    const [name] = readdirSync(dir);
    writeFileSync(path.join(dir, name!), Buffer.alloc(4096, 7), { mode: 0o600 });
    assert.equal(load(home).status, 'rejected');
    assert.equal(load(home).status, 'hit');
  });

  it('keeps the current cache and three others, removing the oldest', () => {
    const home = path.join(tmp, 'pruned');
    const dir = path.join(home, 'bulwark', 'compile');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const old = ['a', 'b', 'c', 'd', 'e'].map((c, i) => {
      const f = path.join(dir, `typescript-${c.repeat(32)}.v8`);
      writeFileSync(f, 'x', { mode: 0o600 });
      utimesSync(f, 1_000_000 + i, 1_000_000 + i);
      return path.basename(f);
    });
    assert.equal(load(home).status, 'miss');
    const left = readdirSync(dir);
    assert.equal(left.length, 4);
    for (const gone of old.slice(0, 2)) assert.ok(!left.includes(gone), `${gone} is the oldest and removed`);
    assert.equal(load(home).status, 'hit');
  });

  it('written after a forced collection, is still the one the next process accepts', () => {
    // the gate forces collections between programs; the flag that takes is V8's, and V8 stamps
    // code caches with a hash of its flags
    const home = path.join(tmp, 'collected');
    assert.equal(load(home, {}, { collectBeforePersist: true }).status, 'miss');
    assert.equal(load(home).status, 'hit');
    assert.equal(load(home, {}, { collectBeforePersist: true }).status, 'hit');
  });

  it('is kept apart for a process that set a V8 flag at run time, and not written when one was set after the load', () => {
    const home = path.join(tmp, 'flagged');
    const dir = path.join(home, 'bulwark', 'compile');
    const heapFactor = { flagBeforeLoad: '--heap-growing-percent=50' };
    assert.equal(load(home, {}, { flagBeforePersist: heapFactor.flagBeforeLoad }).status, 'miss');
    assert.deepEqual(readdirSync(dir), [], 'a cache made under a flag its name does not carry is not written');
    assert.equal(load(home, {}, heapFactor).status, 'miss');
    assert.equal(load(home).status, 'miss', 'not the flagged process cache');
    assert.equal(readdirSync(dir).length, 2);
    assert.equal(load(home, {}, heapFactor).status, 'hit');
    assert.equal(load(home).status, 'hit');
  });

  it('is kept apart for each NODE_OPTIONS (V8 flags there are not in execArgv)', () => {
    const home = path.join(tmp, 'node-options');
    const heap = { NODE_OPTIONS: '--max-old-space-size=2048' };
    const plain = { NODE_OPTIONS: '' };
    assert.equal(load(home, plain).status, 'miss');
    assert.equal(load(home, heap).status, 'miss', 'not the cache made without the option');
    assert.equal(load(home, plain).status, 'hit');
    assert.equal(load(home, heap).status, 'hit');
  });

  it('is off with BULWARK_COMPILE_CACHE=0', () => {
    const home = path.join(tmp, 'off');
    assert.equal(load(home, { BULWARK_COMPILE_CACHE: '0' }).status, 'off');
  });
});
