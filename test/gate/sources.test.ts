import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../src/domain/errors.js';
import { gitBytesAsync, listingKey, listingOf, listRevision, readBlobs, readBlobsInBackground, readListing, revisionSources } from '../../src/gate/sources.js';
import { FixtureRepo } from './fixture.js';

const sourcesModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/gate/sources.js');

describe('reading a revision from git', () => {
  // several files, one large (more than a pipe holds), two with the same content
  const big = `export const big = [${Array.from({ length: 40_000 }, (_, i) => i).join(', ')}];\n`;
  const repo = new FixtureRepo({
    'src/a.ts': 'export const a = 1;\n',
    'src/copy.ts': 'export const a = 1;\n',
    'src/big.ts': big,
    'app/main.py': 'def main():\n    return 1\n',
    'README.md': '# not source\n',
  });
  after(() => rmSync(repo.dir, { recursive: true, force: true }));
  // each test has a temporary directory of its own, so what it leaves there is its own
  let tmp: string;
  const savedTmp = process.env.TMPDIR;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-sources-test-'));
    process.env.TMPDIR = tmp;
  });
  afterEach(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(tmp, { recursive: true, force: true });
  });
  const hashesOf = (): string[] => [...new Set(listRevision(repo.dir, 'main').entries.map((e) => e.hash))];

  it('reads the same blobs in the background as in the foreground, and leaves no temporary file', async () => {
    const listing = listRevision(repo.dir, 'main');
    assert.deepEqual(listing.entries.map((e) => e.path).sort(), ['app/main.py', 'src/a.ts', 'src/big.ts', 'src/copy.ts']);
    const hashes = hashesOf();
    assert.equal(hashes.length, 3);
    const background = await readBlobsInBackground(repo.dir, hashes);
    assert.deepEqual(background, readBlobs(repo.dir, hashes));
    const sources = revisionSources(listing, background);
    assert.equal(sources.find((s) => s.path === 'src/big.ts')?.text, big);
    assert.equal(sources.find((s) => s.path === 'src/copy.ts')?.text, 'export const a = 1;\n');
    assert.deepEqual(readdirSync(tmp), []);
  });

  it('lists a revision the same without blocking, and a failing git command is a usage error naming it either way', async () => {
    assert.deepEqual(listingOf(await readListing(repo.dir, 'main')), listRevision(repo.dir, 'main'));
    const shown = await gitBytesAsync(repo.dir, ['show', 'main:src/big.ts']);
    assert.ok(shown.length > 65_536, 'more than a pipe holds');
    assert.equal(shown.toString('utf8'), big);
    const failed = (e: unknown): boolean =>
      e instanceof UsageError && /^git ls-tree failed in .*: fatal: Not a valid object name no-such-revision/.test(e.message);
    assert.throws(() => listRevision(repo.dir, 'no-such-revision'), failed);
    await assert.rejects(readListing(repo.dir, 'no-such-revision'), failed);
    await assert.rejects(
      gitBytesAsync('/nonexistent-repository', ['status']),
      (e: unknown) => e instanceof UsageError && e.message.startsWith('git status failed in /nonexistent-repository'),
    );
  });

  it('a blob git does not have is a usage error naming it, in the background too, and nothing is left behind', async () => {
    const missing = '0123456789abcdef0123456789abcdef01234567';
    assert.throws(
      () => readBlobs(repo.dir, [missing]),
      (e: unknown) => e instanceof UsageError && e.message.includes(missing),
    );
    await assert.rejects(readBlobsInBackground(repo.dir, [missing]), (e: unknown) => e instanceof UsageError && e.message.includes(missing));
    await assert.rejects(readBlobsInBackground('/nonexistent-repository', [missing]), UsageError);
    assert.deepEqual(readdirSync(tmp), []);
  });

  it('without a writable temporary directory, reads in the foreground', async () => {
    process.env.TMPDIR = path.join(tmp, 'missing');
    const hashes = hashesOf();
    assert.deepEqual(await readBlobsInBackground(repo.dir, hashes), readBlobs(repo.dir, hashes));
  });

  it('when git cannot write the temporary file (a file-size limit), reads in the foreground', () => {
    // 64 blocks of 512 bytes: less than the large blob, so git is stopped writing it
    const script = [
      `import { readBlobs, readBlobsInBackground } from ${JSON.stringify(sourcesModule)};`,
      `const hashes = ${JSON.stringify(hashesOf())};`,
      `const got = await readBlobsInBackground(${JSON.stringify(repo.dir)}, hashes);`,
      `const want = readBlobs(${JSON.stringify(repo.dir)}, hashes);`,
      `console.log(JSON.stringify({ same: JSON.stringify([...got]) === JSON.stringify([...want]), size: Math.max(...[...got.values()].map((t) => t.length)) }));`,
    ].join('\n');
    const res = spawnSync('bash', ['-c', `ulimit -f 64; exec "${process.execPath}" --input-type=module -e "$0"`, script], {
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: tmp },
    });
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout.trim()), { same: true, size: big.length });
    assert.deepEqual(readdirSync(tmp), []);
  });

  it('keys a listing by its paths, blobs and vendored-code setting', () => {
    const listing = listRevision(repo.dir, 'main');
    assert.equal(listingKey(listing, {}), listingKey(listRevision(repo.dir, 'main'), {}));
    assert.notEqual(listingKey(listing, {}), listingKey(listing, { includeVendored: true }));
    assert.notEqual(listingKey(listing, {}), listingKey(listRevision(repo.dir, 'main', { languages: ['python'] }), {}));
  });
});
