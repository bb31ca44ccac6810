import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNotFlagged, assertPath, edit, FixtureRepo } from './fixture.js';

const roots = ['*.approveLoan', '*.processPayment', '*.calculateInterest'];
const P = 'src.bank';

const files: Record<string, string> = {
  'src/bank/rounding/Rounding.java': [
    'package bank.rounding;',
    '',
    'public final class Rounding {',
    '    public static final int SCALE = 100;',
    '',
    '    public static int roundHalfEven(int x) {',
    '        return x * SCALE / SCALE;',
    '    }',
    '',
    '    public static String unrelatedFormat(int x) {',
    '        return Integer.toString(x);',
    '    }',
    '}',
    '',
  ].join('\n'),
  'src/bank/scoring/Scorer.java': ['package bank.scoring;', '', 'public interface Scorer {', '    int score(int a);', '}', ''].join('\n'),
  'src/bank/scoring/RiskScorer.java': [
    'package bank.scoring;',
    '',
    'import bank.rounding.Rounding;',
    '',
    'public class RiskScorer implements Scorer {',
    '    public int score(int a) {',
    '        return weigh(a);',
    '    }',
    '',
    '    static int weigh(int a) {',
    '        return Rounding.roundHalfEven(a) * 2;',
    '    }',
    '}',
    '',
  ].join('\n'),
  'src/bank/loans/Loans.java': [
    'package bank.loans;',
    '',
    'import bank.scoring.Scorer;',
    'import java.util.stream.IntStream;',
    '',
    'public class Loans {',
    '    public boolean approveLoan(Scorer s, int a) {',
    '        return s.score(a) > 1;',
    '    }',
    '',
    '    static int fee(int a) {',
    '        return a / 100;',
    '    }',
    '',
    '    public int[] processPayment(int a) {',
    '        return IntStream.of(a).map(Loans::fee).toArray();',
    '    }',
    '}',
    '',
  ].join('\n'),
  'src/bank/legacy/Account.java': [
    'package bank.legacy;',
    '',
    'public abstract class Account {',
    '    abstract int accrue(int x);',
    '',
    '    public int calculateInterest(int x) {',
    '        return accrue(x);',
    '    }',
    '}',
    '',
  ].join('\n'),
  'src/bank/legacy/Savings.java': [
    'package bank.legacy;',
    '',
    'public class Savings extends Account {',
    '    int accrue(int x) {',
    '        return oldHelper(x);',
    '    }',
    '',
    '    private int oldHelper(int x) {',
    '        return x + 1;',
    '    }',
    '}',
    '',
  ].join('\n'),
  'src/bank/report/Report.java': ['package bank.report;', '', 'public class Report {', '    public static String render(int x) {', '        return String.valueOf(x);', '    }', '}', ''].join('\n'),
};

describe('gate on a Java repository', () => {
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('direct call and an abstract base-class method dispatched to its override', async () => {
    const r = await repo.gate(repo.branch('direct', { 'src/bank/legacy/Savings.java': edit(files['src/bank/legacy/Savings.java']!, 'x + 1', 'x + 2') }), { roots });
    assertPath(r, [`${P}.legacy.Account.Account.calculateInterest`, `${P}.legacy.Savings.Savings.accrue`, `${P}.legacy.Savings.Savings.oldHelper`], 'head');
  });

  it('3+ hops through an interface method and an imported class', async () => {
    const r = await repo.gate(repo.branch('hops', { 'src/bank/rounding/Rounding.java': edit(files['src/bank/rounding/Rounding.java']!, 'x * SCALE / SCALE', 'x * SCALE / SCALE + 0') }), { roots });
    assertPath(r, [`${P}.loans.Loans.Loans.approveLoan`, `${P}.scoring.RiskScorer.RiskScorer.score`, `${P}.scoring.RiskScorer.RiskScorer.weigh`, `${P}.rounding.Rounding.Rounding.roundHalfEven`], 'head');
  });

  it('through a method reference used as a callback', async () => {
    const r = await repo.gate(repo.branch('callback', { 'src/bank/loans/Loans.java': edit(files['src/bank/loans/Loans.java']!, 'a / 100', 'a / 50') }), { roots });
    assertPath(r, [`${P}.loans.Loans.Loans.processPayment`, `${P}.loans.Loans.Loans.fee`], 'head');
  });

  it('through a static final constant', async () => {
    const r = await repo.gate(repo.branch('constant', { 'src/bank/rounding/Rounding.java': edit(files['src/bank/rounding/Rounding.java']!, 'SCALE = 100', 'SCALE = 1000') }), { roots });
    const changed = r.changedFunctions.find((c) => c.id === `${P}.rounding.Rounding.Rounding.roundHalfEven` && c.revision === 'head');
    assert.equal(changed?.via, 'binding');
    assertPath(r, [`${P}.loans.Loans.Loans.approveLoan`, `${P}.scoring.RiskScorer.RiskScorer.score`, `${P}.scoring.RiskScorer.RiskScorer.weigh`, `${P}.rounding.Rounding.Rounding.roundHalfEven`], 'head');
  });

  it('a deleted method is found in the base revision', async () => {
    const savings = edit(edit(files['src/bank/legacy/Savings.java']!, 'return oldHelper(x);', 'return x + 1;'), '\n    private int oldHelper(int x) {\n        return x + 1;\n    }\n', '');
    const r = await repo.gate(repo.branch('deleted', { 'src/bank/legacy/Savings.java': savings }), { roots });
    assertPath(r, [`${P}.legacy.Account.Account.calculateInterest`, `${P}.legacy.Savings.Savings.accrue`, `${P}.legacy.Savings.Savings.oldHelper`], 'base');
  });

  it('a renamed file with regulated code is flagged; a renamed unrelated file is not', async () => {
    const moved = await repo.gate(repo.branch('rename-regulated', {}, [['src/bank/legacy/Account.java', 'src/bank/accounts/Account.java']]), { roots });
    assert.ok(moved.flagged && moved.paths.some((p) => p.root === `${P}.accounts.Account.Account.calculateInterest`), JSON.stringify(moved.reasons));
    assertNotFlagged(await repo.gate(repo.branch('rename-unrelated', {}, [['src/bank/report/Report.java', 'src/bank/reports/Report.java']]), { roots }));
  });

  it('unrelated changes are not flagged', async () => {
    const r = await repo.gate(
      repo.branch('unrelated', {
        'src/bank/report/Report.java': edit(files['src/bank/report/Report.java']!, 'String.valueOf(x)', 'String.valueOf(x + 0)'),
        'src/bank/rounding/Rounding.java': edit(files['src/bank/rounding/Rounding.java']!, 'Integer.toString(x)', 'Integer.toString(x, 10)'),
      }),
      { roots },
    );
    assertNotFlagged(r);
    assert.deepEqual(r.changedFunctions.filter((c) => c.revision === 'head').map((c) => c.id).sort(), [`${P}.report.Report.Report.render`, `${P}.rounding.Rounding.Rounding.unrelatedFormat`]);
  });

  it('a changed file that does not parse is flagged', async () => {
    const r = await repo.gate(repo.branch('broken', { 'src/bank/report/Report.java': 'package bank.report;\npublic class Report {\n  void x( {\n}\n' }), { roots });
    assert.ok(r.flagged && r.reasons.some((x) => x.kind === 'unparsable' && x.message.includes('Report.java')));
  });
});
