import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DRAWN_PATHS, pathText, renderPathGraph, type DrawnPath } from '../../src/review/html/path-graph.js';

const render = async (paths: DrawnPath[]): Promise<string> => String(await renderPathGraph(paths));

describe('path graph (SVG)', () => {
  const a: DrawnPath = { nodes: ['app.approve_loan', 'app.score', 'util.round_half_even'], changed: 2, nameOnly: [1], zones: ['lending', 'lending', null] };
  const b: DrawnPath = { nodes: ['util.round_half_even', 'ledger.post'], changed: 0, nameOnly: [], zones: [null, 'ledger'] };

  it('draws each node once, marks the changed node and roots, dashes name-only calls and marks zone boundaries', async () => {
    const svg = await render([a, b]);
    assert.equal(svg.match(/<g class="node/g)?.length, 4, 'the shared node is drawn once');
    assert.equal(svg.match(/class="node changed"/g)?.length, 1);
    assert.match(svg, /<g class="node root"\s*>\s*<title>app\.approve_loan/);
    assert.match(svg, /<g class="node root"\s*>\s*<title>ledger\.post/);
    assert.equal(svg.match(/class="edge name-only"/g)?.length, 1);
    assert.match(svg, /app\.score ⇢ util\.round_half_even \(resolved by name only\)/);
    assert.equal(svg.match(/class="boundary"/g)?.length, 2, 'lending → none and none → ledger');
    assert.match(svg, /class="zone-stripe z0"/);
    assert.match(svg, /zone lending/);
  });

  it('lays callers left of callees', async () => {
    const svg = await render([a]);
    const x = (id: string) => Number(new RegExp(`<title>${id.replace(/\./g, '\\.')}[^<]*</title\\s*>\\s*<rect class="box" x="([\\d.]+)"`).exec(svg)![1]);
    assert.ok(x('app.approve_loan') < x('app.score') && x('app.score') < x('util.round_half_even'));
  });

  it('escapes names and caps the drawing, listing every path', async () => {
    const hostile: DrawnPath = { nodes: ['<script>x</script>', 'b'], changed: 1, nameOnly: [], zones: [null, null] };
    const many = Array.from({ length: MAX_DRAWN_PATHS + 5 }, (_, i) => ({ ...hostile, nodes: [`r${i}`, `c${i}`] }));
    const svg = await render([hostile, ...many]);
    assert.doesNotMatch(svg, /<script>/);
    assert.match(svg, /&lt;script&gt;x&lt;\/script&gt;/);
    assert.match(svg, new RegExp(`The first ${MAX_DRAWN_PATHS} of ${MAX_DRAWN_PATHS + 6} paths are drawn`));
    assert.equal(svg.match(/<li><code>/g)?.length, MAX_DRAWN_PATHS + 6);
    assert.equal(await render([]), '');
  });

  it('writes a path as text with the same marks as the gate', () => {
    assert.equal(pathText(a), 'app.approve_loan → app.score ⇢ util.round_half_even (changed)');
  });
});
