// One gate evaluation in a fresh process; prints timing, peak RSS and cache statistics as JSON.
import { performance } from 'node:perf_hooks';
import { evaluateGate, GraphCaches } from '../../src/gate/index.js';
import { codeCacheStatus } from '../../src/gate/ts/compiler-code-cache.js';

const [repoDir, base, head, cacheDir, rootsJson] = process.argv.slice(2);
if (!repoDir || !base || !head || !cacheDir) {
  process.stderr.write('usage: child.js REPO BASE HEAD CACHE_DIR [ROOTS_JSON]\n');
  process.exit(3);
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const caches = new GraphCaches(cacheDir);
const result = await evaluateGate({ repoDir, base, head, caches, config: rootsJson ? { roots: JSON.parse(rootsJson) as string[] } : {} });
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(
  JSON.stringify({
    ms,
    cpuMs,
    maxRssKB: process.resourceUsage().maxRSS,
    stats: caches.stats,
    flagged: result.flagged,
    paths: result.paths.length,
    changed: result.changedFunctions.length,
    codeCache: codeCacheStatus(),
  }) + '\n',
);
