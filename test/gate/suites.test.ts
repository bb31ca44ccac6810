/**
 * Per-category call-graph suites in PyCG's format, one per language: edge precision and recall of
 * `callgraph --format pycg` against the expected graphs must each be at least 0.90.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoreSuite, totals } from './suite-score.js';

/** Languages whose suite is complete; each must have at least MIN_CATEGORIES categories. */
const REQUIRED: string[] = ['java', 'go', 'python', 'ts'];
const MIN_CATEGORIES = 8;
const TARGET = 0.9;

describe('call-graph suites (PyCG format)', () => {
  for (const language of REQUIRED) {
    it(`${language}: edge precision and recall ≥ ${TARGET}`, async () => {
      const scores = await scoreSuite(language);
      const categories = new Set(scores.map((s) => s.category));
      assert.ok(categories.size >= MIN_CATEGORIES, `${language} suite has ${categories.size} categories (${[...categories].join(', ')})`);
      const t = totals(scores);
      const detail = scores
        .filter((s) => s.missing.length + s.extra.length > 0)
        .map((s) => `${s.category}/${s.name}: missing ${s.missing.join('; ') || '-'} | extra ${s.extra.join('; ') || '-'}`)
        .join('\n');
      assert.ok(t.precision >= TARGET && t.recall >= TARGET, `${language}: precision ${t.precision.toFixed(3)}, recall ${t.recall.toFixed(3)}\n${detail}`);
    });
  }
});
