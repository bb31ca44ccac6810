import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadTopology } from '../../src/pipeline/topology.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';

describe('example topologies', () => {
  it('examples/topologies/parallel-review.toml loads with three independent stages', () => {
    const t = loadTopology(path.join(packageRoot, 'examples', 'topologies', 'parallel-review.toml'));
    assert.equal(t.maxParallel, 3);
    assert.deepEqual(
      t.stages.filter((s) => s.dependsOn.length === 0).map((s) => s.name),
      ['correctness', 'security', 'compliance'],
    );
    assert.deepEqual(t.stages[3]!.tools, []);
  });
});
