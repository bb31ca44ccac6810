import assert from 'node:assert/strict';
import { it } from 'node:test';
import { corporaDir } from '../../bench/gate/corpora.js';

/**
 * The real-code corpora's folder (../shared/corpora beside the checkout, or BULWARK_CORPORA). When
 * it is missing, registers a test that fails in CI, which must have it, and is skipped elsewhere.
 */
export function corporaOrSkip(): string | undefined {
  const dir = corporaDir();
  if (!dir)
    it('corpora are present', (t) => {
      assert.ok(!process.env.CI, 'CI must have ../shared/corpora beside the checkout (or BULWARK_CORPORA)');
      t.skip('no ../shared/corpora beside this checkout (set BULWARK_CORPORA to run these)');
    });
  return dir;
}
