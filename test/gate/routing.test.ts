import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { evaluateGate } from '../../src/gate/index.js';
import type { GateResult } from '../../src/gate/types.js';
import type { GitRepo } from '../helpers/git-repo.js';
import { ROUTING_CASES, ROUTING_CONFIG, routingRepo } from './routing-set.js';

describe('signal layer: routing on the labelled set', () => {
  let repo: GitRepo;
  const results = new Map<string, GateResult>();
  before(async () => {
    const r = routingRepo();
    repo = r.repo;
    for (const c of ROUTING_CASES)
      results.set(c.name, await evaluateGate({ repoDir: repo.dir, base: r.base, head: r.heads.get(c.name)!, config: ROUTING_CONFIG, cacheDir: null }));
  });
  after(() => repo.cleanup());

  it('has at least 40 labelled changes, both kinds', () => {
    assert.ok(ROUTING_CASES.length >= 40, `${ROUTING_CASES.length} cases`);
    assert.ok(ROUTING_CASES.filter((c) => c.label === 'regulated').length >= 15);
    assert.ok(ROUTING_CASES.filter((c) => c.label === 'ordinary').length >= 15);
  });

  it('the regulated changes are ones the static gate cannot see', () => {
    for (const c of ROUTING_CASES.filter((x) => x.label === 'regulated')) {
      const r = results.get(c.name)!;
      assert.equal(r.flagged, false, `${c.name}: flagged statically (${r.reasons.map((x) => x.message).join('; ')})`);
    }
  });

  it('routing recall is 1.0 and at most 20% of ordinary changes are routed', () => {
    const missed = ROUTING_CASES.filter((c) => c.label === 'regulated' && !results.get(c.name)!.signals!.routed);
    assert.deepEqual(
      missed.map(
        (c) =>
          `${c.name} (score ${results.get(c.name)!.signals!.score}: ${results
            .get(c.name)!
            .signals!.items.map((s) => s.kind)
            .join(', ')})`,
      ),
      [],
    );
    const ordinary = ROUTING_CASES.filter((c) => c.label === 'ordinary');
    const routed = ordinary.filter((c) => results.get(c.name)!.signals!.routed);
    assert.ok(routed.length / ordinary.length <= 0.2, `ordinary routed: ${routed.map((c) => c.name).join(', ')}`);
  });

  it('every routed change says why, signal by signal', () => {
    const r = results.get('rounding mode of a money helper')!;
    assert.ok(r.signals!.items.some((s) => s.kind === 'money-type' && /ROUND_HALF_UP/.test(s.detail)));
    const sdk = results.get('Stripe SDK in Go')!;
    assert.ok(sdk.signals!.items.some((s) => s.kind === 'payment-sdk'));
    const caller = results.get('percentage helper called by fee code')!;
    assert.ok(caller.signals!.items.some((s) => s.kind === 'caller-signal' && /billing\.report\.fee_for/.test(s.detail)));
  });
});
