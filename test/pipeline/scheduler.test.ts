import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runSchedule, type ScheduledStage } from '../../src/pipeline/scheduler.js';
import { dependentsOf, findCycle, topologicalOrder } from '../../src/pipeline/dag.js';

const seed: ScheduledStage[] = [
  { name: 'static', dependsOn: [], timeoutMs: 10_000 },
  { name: 'security', dependsOn: ['static'], timeoutMs: 10_000 },
  { name: 'summary', dependsOn: ['static', 'security'], timeoutMs: 10_000 },
];

describe('dag', () => {
  it('orders dependencies first and finds cycles as paths', () => {
    assert.deepEqual(topologicalOrder(seed), ['static', 'security', 'summary']);
    assert.equal(findCycle(seed), undefined);
    assert.deepEqual(
      findCycle([
        { name: 'a', dependsOn: ['b'] },
        { name: 'b', dependsOn: ['a'] },
      ]),
      ['a', 'b', 'a'],
    );
    assert.deepEqual([...dependentsOf(seed, 'static')].sort(), ['security', 'summary']);
  });
});

describe('scheduler', () => {
  it('runs in dependency order and passes upstream outputs', async () => {
    const seen: Record<string, string[]> = {};
    const out = await runSchedule<string>({
      stages: seed,
      maxParallel: 4,
      runTimeoutMs: 10_000,
      async execute(name, upstream) {
        seen[name] = [...upstream.entries()].map(([k, v]) => `${k}=${v}`);
        await sleep(5);
        return `out-${name}`;
      },
    });
    assert.deepEqual(
      out.map((o) => o.status),
      ['done', 'done', 'done'],
    );
    assert.deepEqual(seen, { static: [], security: ['static=out-static'], summary: ['static=out-static', 'security=out-security'] });
    assert.ok(out[0]!.finishedAt! <= out[1]!.startedAt!);
    assert.ok(out[1]!.finishedAt! <= out[2]!.startedAt!);
  });

  it('overlaps independent stages and respects maxParallel', async () => {
    const stages: ScheduledStage[] = ['a', 'b', 'c'].map((name) => ({ name, dependsOn: [], timeoutMs: 10_000 }));
    let live = 0;
    let peak = 0;
    const run = (maxParallel: number) =>
      runSchedule<void>({
        stages,
        maxParallel,
        runTimeoutMs: 10_000,
        async execute() {
          live++;
          peak = Math.max(peak, live);
          await sleep(50);
          live--;
        },
      });
    await run(3);
    assert.equal(peak, 3);
    peak = 0;
    await run(2);
    assert.equal(peak, 2);
  });

  it('fails closed: a failed stage marks its dependents not run', async () => {
    const out = await runSchedule<string>({
      stages: seed,
      maxParallel: 2,
      runTimeoutMs: 10_000,
      async execute(name) {
        if (name === 'security') throw new Error('provider said 500');
        return name;
      },
    });
    assert.deepEqual(
      out.map((o) => [o.name, o.status, o.reason]),
      [
        ['static', 'done', undefined],
        ['security', 'failed', 'provider said 500'],
        ['summary', 'not_run', 'dependency "security" failed'],
      ],
    );
  });

  it('times out a hung stage, aborts it, and does not wait for it', async () => {
    let aborted = false;
    const out = await runSchedule<string>({
      stages: [
        { name: 'hang', dependsOn: [], timeoutMs: 100 },
        { name: 'after', dependsOn: ['hang'], timeoutMs: 1000 },
      ],
      maxParallel: 2,
      runTimeoutMs: 10_000,
      execute: (_name, _up, signal) =>
        new Promise<string>(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
    });
    assert.equal(aborted, true);
    assert.deepEqual(
      out.map((o) => o.status),
      ['timed_out', 'not_run'],
    );
    assert.match(out[0]!.reason!, /stage deadline of 100 ms/);
    assert.equal(out[1]!.reason, 'dependency "hang" timed out');
  });

  it('enforces the whole-run deadline', async () => {
    const out = await runSchedule<string>({
      stages: [
        { name: 'a', dependsOn: [], timeoutMs: 60_000 },
        { name: 'b', dependsOn: ['a'], timeoutMs: 60_000 },
      ],
      maxParallel: 2,
      runTimeoutMs: 100,
      execute: () => new Promise<string>(() => {}),
    });
    assert.deepEqual(
      out.map((o) => o.status),
      ['timed_out', 'not_run'],
    );
    assert.match(out[0]!.reason!, /run deadline/);
  });

  it('reports blocked stages as not run without executing anything', async () => {
    let calls = 0;
    const out = await runSchedule<string>({
      stages: seed,
      maxParallel: 2,
      runTimeoutMs: 1000,
      blocked: new Map(seed.map((s) => [s.name, 'no provider configured'])),
      async execute() {
        calls++;
        return '';
      },
    });
    assert.equal(calls, 0);
    assert.ok(out.every((o) => o.status === 'not_run' && o.reason === 'no provider configured'));
  });
});
