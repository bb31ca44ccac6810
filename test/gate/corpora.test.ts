/**
 * The gate on real projects: every labelled commit of the corpora (../shared/corpora, plus this
 * repository's own labels in bench/gate/cases/) is decided as labelled — recall 1.0 and no false
 * flag — cold, in a fresh process each. CI has the corpora beside its checkout and must run this;
 * elsewhere a missing corpus folder skips with the reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCorpora, runCase } from '../../bench/gate/corpora.js';
import { corporaOrSkip } from './corpora-present.js';

describe('gate on the real-code corpora (labelled commits)', () => {
  const dir = corporaOrSkip();
  if (!dir) return;
  for (const corpus of loadCorpora(dir)) {
    it(`${corpus.name}: every labelled commit decided as labelled`, () => {
      assert.ok(corpus.cases.length >= 4, `${corpus.name} has only ${corpus.cases.length} labelled cases`);
      const wrong: string[] = [];
      for (const k of corpus.cases) {
        const r = runCase(corpus, k);
        if (r.flagged !== (k.expect === 2))
          wrong.push(`${k.head.slice(0, 10)} expected ${k.expect}, got ${r.flagged ? 2 : 0} (${k.reason}); paths: ${r.paths.slice(0, 2).join(' | ')}`);
      }
      assert.deepEqual(wrong, []);
    });
  }
});
