/**
 * Large pull requests: how acquisition (git diff + parse) and coverage planning scale from a
 * 1,000-file to a 10,000-file change in real git repositories, and how the 10,000-file time
 * compares with the default run deadline (300 s). Prints ratios from one run:
 *
 *   node dist/bench/review/large-pr.js
 *
 * Targets: scaling ratio ≤ 15 for 10× the files (about linear), deadline share ≤ 0.1.
 */
import { chmodSync } from 'node:fs';
import { DEFAULT_RUN_TIMEOUT_SECONDS } from '../../src/pipeline/topology.js';
import { acquireChange } from '../../src/review/acquire.js';
import { defaultReviewConfig } from '../../src/review/config.js';
import { planCoverage } from '../../src/review/coverage.js';
import { makeGitRepo } from '../../test/helpers/git-repo.js';

async function measure(n: number): Promise<{ ms: number; files: number; reviewed: number; skipped: number }> {
  const repo = makeGitRepo('bulwark-bench-review-');
  try {
    chmodSync(repo.dir, 0o755);
    repo.write('README.md', '# bench\n');
    const base = repo.commit('base');
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      const dir = i % 20 === 0 ? 'vendor' : i % 5 === 0 ? 'tests' : 'src';
      files[`${dir}/m${Math.floor(i / 100)}/f${i}.ts`] = `export function f${i}(x: number): number {\n  return x + ${i};\n}\n`;
    }
    repo.writeAll(files);
    repo.commit('change');
    const t0 = performance.now();
    const change = await acquireChange({ repoDir: repo.dir, base, head: 'HEAD', env: {} });
    const plan = planCoverage(change, { config: defaultReviewConfig() });
    const ms = performance.now() - t0;
    return { ms, files: change.files.length, reviewed: plan.record.totals.reviewed, skipped: plan.record.totals.skipped };
  } finally {
    repo.cleanup();
  }
}

const small = await measure(1_000);
const large = await measure(10_000);
const scaling = large.ms / small.ms;
const deadlineShare = large.ms / (DEFAULT_RUN_TIMEOUT_SECONDS * 1000);
console.log(`review large-PR bench: 1,000 files ${small.ms.toFixed(0)} ms, 10,000 files ${large.ms.toFixed(0)} ms (acquire + coverage plan)`);
console.log(`  10,000-file record: ${large.files} files, ${large.reviewed} reviewed, ${large.skipped} skipped`);
console.log(`  scaling ratio (10k / 1k time): ${scaling.toFixed(2)}  target ≤ 15  ${scaling <= 15 ? 'OK' : 'OVER'}`);
console.log(`  share of the ${DEFAULT_RUN_TIMEOUT_SECONDS} s run deadline: ${deadlineShare.toFixed(4)}  target ≤ 0.1  ${deadlineShare <= 0.1 ? 'OK' : 'OVER'}`);
