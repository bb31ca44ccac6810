import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { holdWorkerUid, runCommand } from '../../src/mutation/sandbox-run.js';
import { createScratchRoot, createWorkspace, removeScratchRoot, resetTmp } from '../../src/mutation/workspace.js';
import { makeFixture } from './fixtures.js';

/**
 * A mutation worker keeps one uid for all of its runs: the caches it keeps in tmp/ (npm, GOPATH)
 * and in its cache/ must be writable by its next run. Real launcher, root as in CI.
 */
describe('mutation workers and their uids', () => {
  const root = typeof process.geteuid === 'function' && process.geteuid() === 0;
  it("a worker's second run replaces what its first run left in the kept caches", { skip: !root && 'the launcher changes uid only as root' }, async () => {
    const fx = makeFixture('python', true);
    const scratch = createScratchRoot();
    const held = holdWorkerUid({ toolchainPaths: [], readPaths: [] });
    try {
      const head = execFileSync('git', ['-C', fx.dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
      const ws = createWorkspace(scratch, 0, fx.dir, head);
      const command = 'mkdir -p "$TMPDIR/npm" "$GOCACHE" && echo run > "$TMPDIR/npm/marker" && echo run > "$GOCACHE/entry"';
      for (let i = 0; i < 2; i++) {
        resetTmp(ws);
        const r = await runCommand(ws, { command, timeoutSeconds: 60 }, held.settings);
        assert.equal(r.exitCode, 0, `run ${i + 1}: ${r.output}`);
      }
    } finally {
      held.release();
      removeScratchRoot(scratch);
      rmSync(fx.dir, { recursive: true, force: true });
    }
  });
});
