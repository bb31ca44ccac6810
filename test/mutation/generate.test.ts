/** Mutant generation per language, test command detection and scoring: pure parts, real parsers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectTestPlan, selectedCommand } from '../../src/mutation/detect.js';
import { applyMutant, generateMutants } from '../../src/mutation/generate.js';
import { mutationScore } from '../../src/mutation/score.js';

async function ops(path: string, text: string, lines: number[]) {
  const g = await generateMutants([{ path, text, lines }], { maxMutants: 100 });
  return { g, list: g.mutants.map((m) => `${m.operator}:${m.original}->${m.replacement}`) };
}

describe('mutant generation', () => {
  it('python: operators, boundary, rounding as a string, quantum, negation, return, removed call, swap', async () => {
    const text = [
      'from decimal import Decimal, ROUND_HALF_EVEN',
      'def f(a, b):',
      '    if a < b and not a:',
      '        log(a, b)',
      '    return (a + b).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)',
      'X = 1 + 2',
      '',
    ].join('\n');
    const { list } = await ops('m.py', text, [1, 3, 4, 5, 6]);
    for (const want of [
      'boundary:<-><=',
      'comparison:<->>=',
      'logical:and->or',
      'negation:not a->a',
      'negation:a < b and not a->not (a < b and not a)',
      'remove-call:log(a, b)->pass',
      'swap-arguments:a, b->b, a',
      'arithmetic:+->-',
      'scale:"0.01"->"0.001"',
      "rounding:ROUND_HALF_EVEN->'ROUND_HALF_UP'",
      'return-value:(a + b).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)->None',
    ])
      assert.ok(list.includes(want), `missing ${want} in ${list.join(' | ')}`);
    // module-level code and unchanged lines are not mutated
    assert.ok(!list.some((l) => l.includes('1->') || l.includes('2->')), list.join(' | '));
  });

  it('go and java: rounding names by their qualifier, zero values from the declared result type', async () => {
    const go = await ops('l.go', 'package l\n\nimport "math"\n\nfunc F(x float64) int64 {\n\treturn int64(math.Round(x * 100))\n}\n', [6]);
    assert.ok(go.list.includes('rounding:Round->RoundToEven'), go.list.join(' | '));
    assert.ok(go.list.includes('return-value:int64(math.Round(x * 100))->0'), go.list.join(' | '));
    const java = await ops(
      'L.java',
      'class L {\n  java.math.BigDecimal f(java.math.BigDecimal b) {\n    return b.setScale(2, RoundingMode.HALF_EVEN);\n  }\n}\n',
      [3],
    );
    assert.ok(java.list.includes('rounding:HALF_EVEN->HALF_UP'), java.list.join(' | '));
    assert.ok(java.list.includes('scale:2->3'), java.list.join(' | '));
    assert.ok(java.list.includes('return-value:b.setScale(2, RoundingMode.HALF_EVEN)->null'), java.list.join(' | '));
  });

  it('typescript: Math rounding, toFixed scale, strict comparison, typed zero return', async () => {
    const { list } = await ops(
      'l.ts',
      'export function f(a: number): number {\n  if (a !== 0) return Math.round(a * 100);\n  return Number(a.toFixed(2));\n}\n',
      [2, 3],
    );
    for (const want of ['rounding:round->floor', 'comparison:!==->===', 'scale:2->3', 'return-value:Math.round(a * 100)->0', 'negation:a !== 0->!(a !== 0)'])
      assert.ok(list.includes(want), `missing ${want} in ${list.join(' | ')}`);
  });

  it('counts equivalent mutants (identical arguments swapped) and applies edits exactly', async () => {
    const text = 'def f(a):\n    return g(a, a)\n';
    const { g } = await ops('e.py', text, [2]);
    assert.ok(g.equivalent >= 1);
    const m = g.mutants.find((x) => x.operator === 'return-value')!;
    assert.equal(applyMutant(text, m), 'def f(a):\n    return None\n');
  });

  it('detects test commands and narrows them to related tests', () => {
    assert.equal(detectTestPlan({ files: ['go.mod', 'a.go'] })?.runner, 'go');
    assert.equal(detectTestPlan({ files: ['pom.xml'] })?.command, 'mvn -o -q test');
    assert.equal(detectTestPlan({ files: ['build.gradle'] })?.runner, 'gradle');
    assert.equal(detectTestPlan({ files: ['package.json'], npmTestScript: 'vitest run' })?.command, 'npm test --silent');
    assert.equal(detectTestPlan({ files: ['package.json'], npmTestScript: 'node --test' })?.runner, 'node-test');
    const py = detectTestPlan({ files: ['ledger.py', 'tests/test_ledger.py'] })!;
    assert.equal(py.runner, 'pytest');
    assert.equal(selectedCommand(py, ['ledger.py', 'tests/test_ledger.py', 'tests/test_other.py'], 'ledger.py'), `${py.command} 'tests/test_ledger.py'`);
    assert.equal(detectTestPlan({ files: ['README'] }), undefined);
    assert.equal(detectTestPlan({ files: ['go.mod'] }, 'make test')?.command, 'make test');
  });

  it('scores killed and timed-out mutants over those judged', () => {
    assert.equal(mutationScore({ killed: 3, survived: 1, timeout: 0 }), 0.75);
    assert.equal(mutationScore({ killed: 1, survived: 1, timeout: 2 }), 0.75);
    assert.equal(mutationScore({ killed: 0, survived: 0, timeout: 0 }), null);
  });
});
