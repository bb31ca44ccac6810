import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attributeCommit, parseStackTrace, resolveFrameFile } from '../../src/console/stack-trace.js';

const TRACKED = [
  'payments/ledger.py',
  'payments/fees.py',
  'src/ledger.ts',
  'web/src/ledger.ts',
  'core/src/main/java/com/bank/Ledger.java',
  'other/com/bank/Ledger.java',
  'cmd/ledger.go',
];

describe('stack traces', () => {
  it('reads frames of Python, Node, Java and Go traces and keeps other lines out', () => {
    const frames = parseStackTrace(
      [
        'Traceback (most recent call last):',
        '  File "/srv/app/payments/ledger.py", line 42, in post',
        '    x = 1',
        'Error: boom',
        '    at post (/srv/app/src/ledger.ts:17:9)',
        '    at file:///srv/app/src/ledger.ts:3:1',
        'Exception in thread "main" java.lang.IllegalStateException',
        '\tat com.bank.Ledger.post(Ledger.java:88)',
        'goroutine 1 [running]:',
        '\t/home/ci/app/cmd/ledger.go:12 +0x1d',
      ].join('\n'),
    );
    assert.deepEqual(
      frames.map((f) => [f.file, f.line, f.fn]),
      [
        ['/srv/app/payments/ledger.py', 42, 'post'],
        ['/srv/app/src/ledger.ts', 17, 'post'],
        ['/srv/app/src/ledger.ts', 3, null],
        ['Ledger.java', 88, 'com.bank.Ledger.post'],
        ['/home/ci/app/cmd/ledger.go', 12, null],
      ],
    );
  });

  it('maps a frame to the one tracked file its path ends with, using the Java package when the name alone is ambiguous', () => {
    const [py, ts, , java, go] = parseStackTrace(
      '  File "/srv/app/payments/ledger.py", line 1\n at post (/x/web/src/ledger.ts:1:1)\n at /y/z.ts:1:1\n\tat com.bank.Ledger.post(Ledger.java:1)\n\t/a/cmd/ledger.go:1\n',
    );
    assert.equal(resolveFrameFile(py!, TRACKED), 'payments/ledger.py');
    assert.equal(resolveFrameFile(ts!, TRACKED), 'web/src/ledger.ts');
    assert.equal(resolveFrameFile(java!, TRACKED), null, 'two Ledger.java files in com/bank: ambiguous');
    assert.equal(resolveFrameFile(java!, ['core/src/main/java/com/bank/Ledger.java', 'core/Ledger.java']), 'core/src/main/java/com/bank/Ledger.java');
    assert.equal(resolveFrameFile(go!, TRACKED), 'cmd/ledger.go');
    const [ambiguous] = parseStackTrace(' at f (/deploy/ledger.ts:1:1)');
    assert.equal(resolveFrameFile(ambiguous!, TRACKED), null, 'src/ledger.ts or web/src/ledger.ts: ambiguous, never a guess');
  });

  it('bounds the number of frames read from a paste', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `  File "a.py", line ${i + 1}, in f`).join('\n');
    assert.equal(parseStackTrace(text).length, 200);
  });

  it('attributes commits to agents by author or trailer, and finds the Bulwark review', () => {
    assert.equal(attributeCommit('Dev', 'dev@example.test', 'fix\n\nCo-authored-by: Claude <noreply@anthropic.com>').agent, true);
    assert.equal(attributeCommit('Dev', 'dev@example.test', 'fix\n\nCo-authored-by: Ann <ann@example.test>').agent, false, 'a human co-author');
    assert.equal(attributeCommit('renovate[bot]', '29139614+renovate[bot]@users.noreply.github.com', 'deps').agent, true);
    assert.equal(attributeCommit('Dev', 'dev@example.test', 'fix\n\nGenerated-by: internal-tool').agent, true);
    const human = attributeCommit('Dev', 'dev@example.test', 'fix\n\nReviewed-by-Agent: bulwark run review-20261201T000000-0000abcd');
    assert.equal(human.agent, false);
    assert.equal(human.reviewedBy, 'review-20261201T000000-0000abcd');
  });
});
