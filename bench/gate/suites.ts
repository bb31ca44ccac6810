// Edge precision and recall of the gate's call graphs on the per-category suites (PyCG format),
// per language and per category.
import { scoreSuite, totals } from '../../test/gate/suite-score.js';

for (const language of ['python', 'ts', 'go', 'java']) {
  const scores = await scoreSuite(language);
  if (scores.length === 0) {
    console.log(`${language}: no suite`);
    continue;
  }
  const byCategory = new Map<string, typeof scores>();
  for (const s of scores) byCategory.set(s.category, [...(byCategory.get(s.category) ?? []), s]);
  const t = totals(scores);
  console.log(
    `${language}: precision ${t.precision.toFixed(3)} recall ${t.recall.toFixed(3)} (target 0.90 each) over ${scores.length} cases, ${byCategory.size} categories`,
  );
  for (const [c, ss] of byCategory) {
    const ct = totals(ss);
    console.log(
      `  ${c.padEnd(24)} precision ${ct.precision.toFixed(2)} recall ${ct.recall.toFixed(2)} (${ct.correct}/${ct.found} found, ${ct.expected} expected)`,
    );
  }
}
