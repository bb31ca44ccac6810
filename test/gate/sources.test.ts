import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../src/domain/errors.js';
import { listingKey, listRevision, readBlobs, readBlobsInBackground, revisionSources } from '../../src/gate/sources.js';
import { FixtureRepo } from './fixture.js';

const blobDirs = (): string[] => readdirSync(os.tmpdir()).filter((n) => n.startsWith('bulwark-blobs-'));

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

  it('reads the same blobs in the background as in the foreground, and leaves no temporary file', async () => {
    const before = blobDirs();
    const listing = listRevision(repo.dir, 'main');
    assert.deepEqual(listing.entries.map((e) => e.path).sort(), ['app/main.py', 'src/a.ts', 'src/big.ts', 'src/copy.ts']);
    const hashes = [...new Set(listing.entries.map((e) => e.hash))];
    assert.equal(hashes.length, 3);
    const background = await readBlobsInBackground(repo.dir, hashes);
    assert.deepEqual(background, readBlobs(repo.dir, hashes));
    const sources = revisionSources(listing, background);
    assert.equal(sources.find((s) => s.path === 'src/big.ts')?.text, big);
    assert.equal(sources.find((s) => s.path === 'src/copy.ts')?.text, 'export const a = 1;\n');
    assert.deepEqual(blobDirs(), before);
  });

  it('a blob git does not have is a usage error, in the background too, and nothing is left behind', async () => {
    const before = blobDirs();
    const missing = '0123456789abcdef0123456789abcdef01234567';
    assert.throws(
      () => readBlobs(repo.dir, [missing]),
      (e: unknown) => e instanceof UsageError && e.message.includes(missing),
    );
    await assert.rejects(readBlobsInBackground(repo.dir, [missing]), (e: unknown) => e instanceof UsageError && e.message.includes(missing));
    await assert.rejects(readBlobsInBackground('/nonexistent-repository', [missing]), UsageError);
    assert.deepEqual(blobDirs(), before);
  });

  it('without a writable temporary directory, reads in the foreground', async () => {
    const listing = listRevision(repo.dir, 'main');
    const hashes = [...new Set(listing.entries.map((e) => e.hash))];
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent-temporary-directory';
    try {
      assert.deepEqual(await readBlobsInBackground(repo.dir, hashes), readBlobs(repo.dir, hashes));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('keys a listing by its paths, blobs and vendored-code setting', () => {
    const listing = listRevision(repo.dir, 'main');
    assert.equal(listingKey(listing, {}), listingKey(listRevision(repo.dir, 'main'), {}));
    assert.notEqual(listingKey(listing, {}), listingKey(listing, { includeVendored: true }));
    assert.notEqual(listingKey(listing, {}), listingKey(listRevision(repo.dir, 'main', { languages: ['python'] }), {}));
  });
});
