import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeGraph, encodeGraph } from '../../src/gate/stored-graph.js';
import type { CallGraph, Definition } from '../../src/gate/types.js';

const def = (id: string, kind: Definition['kind'], file: string, startLine: number, endLine: number): [string, Definition] => [
  id,
  { id, kind, file, startLine, endLine },
];

const graph: Omit<CallGraph, 'files'> = {
  defs: new Map([
    def('pkg.mod', 'module', 'pkg/mod.py', 1, 40),
    def('pkg.mod.A', 'class', 'pkg/mod.py', 3, 20),
    def('pkg.mod.A.pay', 'method', 'pkg/mod.py', 5, 9),
    def('pkg.mod.RATE', 'binding', 'pkg/mod.py', 2, 2),
    [
      'pkg.mod.HOOKS',
      {
        id: 'pkg.mod.HOOKS',
        kind: 'binding',
        file: 'pkg/mod.py',
        startLine: 21,
        endLine: 38,
        spans: [
          [21, 21],
          [38, 38],
        ],
      },
    ],
    def('web.a.f', 'function', 'web/a.ts', 1, 3),
  ]),
  calls: new Map([
    ['pkg.mod.A.pay', new Set(['web.a.f', '<builtin>.len'])],
    ['web.a.f', new Set(['pkg.mod.A'])],
  ]),
  nameOnly: new Map([['pkg.mod.A.pay', new Set(['web.a.f'])]]),
  reads: new Map([['pkg.mod.A.pay', new Set(['pkg.mod.RATE'])]]),
  unparsable: [{ file: 'bad.py', reason: 'syntax error at line 3' }],
};

describe('stored graphs', () => {
  it('come back from their JSON exactly as they were stored', () => {
    const stored = JSON.parse(JSON.stringify(encodeGraph(graph))) as unknown;
    assert.deepEqual(decodeGraph(stored), graph);
    assert.ok(JSON.stringify(stored).length < JSON.stringify({ defs: [...graph.defs.values()] }).length);
  });

  it('a malformed one is a miss, never a crash', () => {
    const good = encodeGraph(graph);
    const bad: [string, unknown][] = [
      ['not an object', 5],
      ['ids not strings', { ...good, ids: [1, 2] }],
      ['a kind out of range', { ...good, defs: [9, ...good.defs.slice(1)] }],
      ['a kind that is a string', { ...good, defs: ['2', ...good.defs.slice(1)] }],
      ['a kind that names a property', { ...good, defs: ['length', ...good.defs.slice(1)] }],
      ['a file that is a string', { ...good, defs: [0, '0', ...good.defs.slice(2)] }],
      ['a file out of range', { ...good, defs: [0, 99, ...good.defs.slice(2)] }],
      ['a negative line', { ...good, defs: [0, 0, -1, ...good.defs.slice(3)] }],
      ['a fractional line', { ...good, defs: [0, 0, 1.5, ...good.defs.slice(3)] }],
      ['more definitions than ids', { ...good, ids: good.ids.slice(0, 2) }],
      ['an edge to no id', { ...good, calls: [[0, 999]] }],
      ['spans that are not numbers in threes', { ...good, spans: [4, 21] }],
      ['a span of no definition', { ...good, spans: [99, 1, 2] }],
      ['a span ending before it starts', { ...good, spans: [4, 9, 2] }],
      ['an empty edge row', { ...good, reads: [[]] }],
      ['a caller listed twice', { ...good, calls: [...good.calls, [good.calls[0]![0]!, 1]] }],
      [
        'a callee listed twice in a row',
        {
          ...good,
          calls: [
            [0, 1, 1],
            [2, 1],
          ],
        },
      ],
      ['an id listed twice', { ...good, ids: [...good.ids, good.ids[0]] }],
      ['a negative node number', { ...good, calls: [[0, -1]] }],
      ['a string where an index goes', { ...good, nameOnly: [['0']] }],
      ['unparsable without a reason', { ...good, unparsable: [{ file: 'x' }] }],
    ];
    for (const [why, value] of bad) assert.equal(decodeGraph(value), undefined, why);
  });
});
