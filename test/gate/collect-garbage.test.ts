import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const module = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/gate/collect-garbage.js');

/**
 * In a fresh process (a heap nothing else uses): work that holds 64 MB of objects until it
 * returns, under `collectAfter` with the given margin; the heap's growth across the call in MB.
 */
function growthAcross(marginMb: number): number {
  const script = [
    `const { collectAfter } = await import(${JSON.stringify(module)});`,
    // held until the work returns: scavenges promote them, so only a full collection frees them
    `const work = () => { const held = []; for (let i = 0; i < 64 * 1024; i++) held.push(new Array(120).fill(i)); return held.length; };`,
    `const before = process.memoryUsage().heapUsed;`,
    `const n = collectAfter(work, Number(process.env.MARGIN_MB) * 1024 * 1024);`,
    `if (n !== 64 * 1024) throw new Error('the work\\'s result was not returned');`,
    `console.log(JSON.stringify({ growthMb: (process.memoryUsage().heapUsed - before) / 1048576 }));`,
  ].join('\n');
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, MARGIN_MB: String(marginMb) } });
  assert.equal(res.status, 0, res.stderr);
  return (JSON.parse(res.stdout) as { growthMb: number }).growthMb;
}

describe('collecting the garbage a piece of work leaves', () => {
  it('collects once the heap grew past the margin across the work, and leaves it alone below the margin', () => {
    // past the margin: what the work held is gone when it returns
    const collected = growthAcross(16);
    assert.ok(collected < 8, `the heap grew by ${collected.toFixed(1)} MB across the work`);
    // a margin above the growth: V8 keeps the garbage (which is why the gate collects it)
    const kept = growthAcross(1024);
    assert.ok(kept > 40, `the heap grew by only ${kept.toFixed(1)} MB without a collection`);
  });
});
