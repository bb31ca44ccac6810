// The gate on real projects: every labelled commit of ../shared/corpora, cold, one process each.
// Prints per case the decision against the label, wall, CPU and peak RSS; per project recall,
// precision, false flags and the worst wall/RSS against the targets (≤ 10 s wall, ≤ 500 MB).
import { corporaDir, loadCorpora, runCase } from './corpora.js';

const dir = corporaDir();
if (!dir) {
  console.log('gate/real: no corpora (../shared/corpora or BULWARK_CORPORA): nothing to measure');
  process.exit(0);
}
const only = process.argv.slice(2);
const MAX_MS = 10_000;
const MAX_RSS_MB = 500;
for (const corpus of loadCorpora(dir)) {
  if (only.length > 0 && !only.includes(corpus.name)) continue;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let worstMs = 0;
  let worstRss = 0;
  for (const k of corpus.cases) {
    const r = runCase(corpus, k);
    const want = k.expect === 2;
    if (want && r.flagged) tp++;
    else if (want) fn++;
    else if (r.flagged) fp++;
    else tn++;
    worstMs = Math.max(worstMs, r.ms);
    worstRss = Math.max(worstRss, r.maxRssKB / 1024);
    const verdict = r.flagged === want ? 'ok' : r.flagged ? 'FALSE FLAG' : 'MISSED';
    console.log(
      `${corpus.name} ${k.head.slice(0, 10)} expect ${k.expect} got ${r.flagged ? 2 : 0} ${verdict.padEnd(10)} wall ${(r.ms / 1000).toFixed(2)} s cpu ${(r.cpuMs / 1000).toFixed(2)} s rss ${(r.maxRssKB / 1024).toFixed(0)} MB${r.resolutionsReused > 0 ? ' (head resolution replayed)' : ''}  ${k.reason.slice(0, 70)}`,
    );
    if (r.flagged !== want || process.env.BULWARK_BENCH_VERBOSE) for (const p of r.paths.slice(0, 3)) console.log(`    path: ${p}`);
  }
  const recall = tp + fn > 0 ? tp / (tp + fn) : 1;
  const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
  console.log(
    `== ${corpus.name}: recall ${recall.toFixed(2)} (target 1.00), precision ${precision.toFixed(2)}, false flags ${fp} of ${fp + tn} (target 0), worst wall ${(worstMs / 1000).toFixed(2)} s (${(worstMs / MAX_MS).toFixed(2)} of 10 s), worst peak RSS ${worstRss.toFixed(0)} MB (${(worstRss / MAX_RSS_MB).toFixed(2)} of 500 MB)`,
  );
}
