// One cold gate evaluation of a labelled corpus case in a fresh process; prints the decision,
// its paths, wall/CPU time and peak RSS as one JSON line.
import { performance } from 'node:perf_hooks';
import { loadBulwarkConfig } from '../../src/app/config.js';
import { evaluateGate, GraphCaches } from '../../src/gate/index.js';

const [repoDir, base, head, configFile] = process.argv.slice(2);
if (!repoDir || !base || !head || !configFile) {
  process.stderr.write('usage: real-child.js REPO BASE HEAD BULWARK_TOML\n');
  process.exit(3);
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const config = loadBulwarkConfig(configFile);
// no cache on disk: every case is cold (the in-memory caches still serve head after base)
const caches = new GraphCaches(undefined);
const result = await evaluateGate({ repoDir, base, head, config: config.gate ?? {}, caches });
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  JSON.stringify({
    ms: performance.now() - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKB: process.resourceUsage().maxRSS,
    flagged: result.flagged,
    reasons: result.reasons.map((r) => r.message).slice(0, 5),
    paths: result.paths.slice(0, 5).map((p) => p.text),
    pathCount: result.paths.length,
    changed: result.changedFunctions.length,
    resolutionsReused: caches.stats.resolutionsReused,
  }) + '\n',
);
