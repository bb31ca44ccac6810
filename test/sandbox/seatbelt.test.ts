/** macOS Seatbelt profile generated from the policy (text only: this CI has no macOS). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runtimePolicy, type SandboxPolicy } from '../../src/sandbox/policy.js';
import { sbplString, seatbeltProfile } from '../../src/sandbox/seatbelt.js';

const policy: SandboxPolicy = {
  ...runtimePolicy(),
  readPaths: ['/Users/dev/repo', '/etc/hosts'],
  writePaths: ['/private/tmp/scratch'],
  execPaths: ['/usr/local/bin/node', '/usr/lib'],
};

function block(profile: string, op: string): string {
  const start = profile.indexOf(`(allow ${op}\n`);
  assert.ok(start >= 0, `no (allow ${op}) block`);
  return profile.slice(start, profile.indexOf('\n)', start));
}

describe('seatbeltProfile', () => {
  const profile = seatbeltProfile(policy);

  it('denies by default and denies every network operation', () => {
    const lines = profile.split('\n');
    assert.equal(lines[0], '(version 1)');
    assert.ok(lines.includes('(deny default)'));
    assert.ok(lines.includes('(deny network*)'));
    assert.ok(!/\(allow network/.test(profile));
    assert.ok(!/\(allow default/.test(profile));
  });

  it('reads cover read, write and exec paths; writes only the write paths; exec only the exec paths', () => {
    const reads = block(profile, 'file-read*');
    for (const p of ['/Users/dev/repo', '/etc/hosts', '/private/tmp/scratch', '/usr/local/bin/node', '/usr/lib'])
      assert.ok(reads.includes(`(subpath "${p}")`), p);
    const writes = block(profile, 'file-write*');
    assert.ok(writes.includes('(subpath "/private/tmp/scratch")'));
    assert.ok(!writes.includes('/Users/dev/repo'));
    assert.ok(!writes.includes('/usr/lib'));
    const execs = block(profile, 'process-exec');
    assert.ok(execs.includes('(subpath "/usr/local/bin/node")'));
    assert.ok(!execs.includes('/private/tmp/scratch'), 'scratch must not be executable');
  });

  it('allows only metadata of the ancestors (for path lookup), not their contents', () => {
    const meta = block(profile, 'file-read-metadata');
    assert.ok(meta.includes('(literal "/Users/dev")'));
    assert.ok(meta.includes('(literal "/")'));
    assert.ok(!block(profile, 'file-read*').includes('"/Users/dev")'));
  });

  it('escapes quotes and backslashes and refuses control characters', () => {
    assert.equal(sbplString('/a "b"\\c'), '"/a \\"b\\"\\\\c"');
    assert.throws(() => sbplString('/a\nb'), /control character/);
    const p = seatbeltProfile({ ...policy, readPaths: ['/x")(allow default)("'] });
    assert.ok(p.includes('(subpath "/x\\")(allow default)(\\"")'));
    assert.ok(!p.split('\n').includes('(allow default)'));
  });
});

describe('spawnSeatbelt fails closed', () => {
  it('without /usr/bin/sandbox-exec (as on this Linux CI) it refuses with SandboxError (exit 4)', async () => {
    const { spawnSeatbelt, SANDBOX_EXEC } = await import('../../src/sandbox/seatbelt-runner.js');
    const { SandboxError } = await import('../../src/domain/errors.js');
    const { existsSync } = await import('node:fs');
    assert.equal(existsSync(SANDBOX_EXEC), process.platform === 'darwin');
    if (process.platform === 'darwin') return;
    await assert.rejects(spawnSeatbelt(runtimePolicy({ allowDegraded: true }), '/bin/true', [], {}), (e: unknown) => {
      assert.ok(e instanceof SandboxError);
      assert.match(e.message, /sandbox-exec not found/);
      return true;
    });
  });
});
