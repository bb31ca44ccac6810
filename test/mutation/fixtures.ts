/**
 * Fixture repositories for mutation testing: a small ledger in each language, a base commit and a
 * head commit that changes its interest rounding, with tests that either check the rounding of a
 * tie (strong) or only a value where every rounding mode agrees (weak).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { removedAtExit } from '../helpers/temp-dir.js';

export type FixtureLanguage = 'python' | 'ts' | 'go' | 'java';

function git(dir: string, ...args: string[]): void {
  execFileSync('git', ['-C', dir, ...args], { stdio: 'ignore' });
}

function write(dir: string, files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
}

/** A temp folder the sandbox uid can traverse. */
export function tempDir(prefix: string): string {
  const d = removedAtExit(mkdtempSync(path.join(os.tmpdir(), prefix)));
  chmodSync(d, 0o755);
  return d;
}

const PY_BASE = `from decimal import Decimal, ROUND_HALF_UP


def calculate_interest(balance, rate):
    return (balance * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
`;
const PY_HEAD = `from decimal import Decimal, ROUND_HALF_EVEN


def calculate_interest(balance, rate):
    return (balance * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
`;
const PY_TEST = (strong: boolean) => `from decimal import Decimal
from ledger import calculate_interest


def test_interest():
    assert calculate_interest(Decimal("100"), Decimal("0.05")) == Decimal("5.00")
${
  strong
    ? `

def test_interest_rounds_half_even():
    assert calculate_interest(Decimal("0.125"), Decimal("1")) == Decimal("0.12")
    assert calculate_interest(Decimal("0.135"), Decimal("1")) == Decimal("0.14")
    assert calculate_interest(Decimal("100"), Decimal("0.1")) == Decimal("10.00")
`
    : ''
}`;

const TS_BASE = `export function calculateInterest(cents: number, ratePercent: number): number {
  return Math.round((cents * ratePercent) / 100);
}
`;
// banker's rounding of a half cent
const TS_HEAD = `export function calculateInterest(cents: number, ratePercent: number): number {
  const raw = (cents * ratePercent) / 100;
  const floor = Math.floor(raw);
  if (raw - floor !== 0.5) return Math.round(raw);
  return floor % 2 === 0 ? floor : floor + 1;
}
`;
// plain JavaScript: the compiler builds only src/, the tests import what it wrote to $TMPDIR
const TS_TEST = (strong: boolean) => `import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
const { calculateInterest } = await import(path.join(process.env.TMPDIR, 'out', 'ledger.js'));

test('interest', () => {
  assert.equal(calculateInterest(10000, 5), 500);
});
${
  strong
    ? `
test('half cents round to even', () => {
  assert.equal(calculateInterest(50, 1), 0);
  assert.equal(calculateInterest(150, 1), 2);
  assert.equal(calculateInterest(250, 1), 2);
  assert.equal(calculateInterest(70, 1), 1);
  assert.equal(calculateInterest(130, 1), 1);
  assert.equal(calculateInterest(10, 1), 0);
  assert.equal(calculateInterest(1000, 1), 10);
  assert.equal(calculateInterest(-50, 1), 0);
});
`
    : ''
}`;

const GO_BASE = `package ledger

import "math"

func CalculateInterest(cents int64, ratePercent int64) int64 {
	return int64(math.Round(float64(cents*ratePercent) / 100))
}
`;
const GO_HEAD = `package ledger

import "math"

func CalculateInterest(cents int64, ratePercent int64) int64 {
	return int64(math.RoundToEven(float64(cents*ratePercent) / 100))
}
`;
const GO_TEST = (strong: boolean) => `package ledger

import "testing"

func TestInterest(t *testing.T) {
	if got := CalculateInterest(10000, 5); got != 500 {
		t.Fatalf("got %d", got)
	}
${
  strong
    ? `	for _, c := range []struct{ cents, rate, want int64 }{{50, 1, 0}, {150, 1, 2}, {250, 1, 2}, {70, 1, 1}, {1000, 1, 10}} {
		if got := CalculateInterest(c.cents, c.rate); got != c.want {
			t.Fatalf("%d: got %d want %d", c.cents, got, c.want)
		}
	}
`
    : ''
}}
`;

const JAVA_BASE = `import java.math.BigDecimal;
import java.math.RoundingMode;

public class Ledger {
    public static BigDecimal calculateInterest(BigDecimal balance, BigDecimal rate) {
        return balance.multiply(rate).setScale(2, RoundingMode.HALF_UP);
    }
}
`;
const JAVA_HEAD = JAVA_BASE.replace('HALF_UP', 'HALF_EVEN');
const JAVA_TEST = (strong: boolean) => `import static org.junit.Assert.assertEquals;

import java.math.BigDecimal;
import org.junit.Test;

public class LedgerTest {
    @Test
    public void interest() {
        assertEquals(new BigDecimal("5.00"), Ledger.calculateInterest(new BigDecimal("100"), new BigDecimal("0.05")));
    }
${
  strong
    ? `
    @Test
    public void halfCentsRoundToEven() {
        assertEquals(new BigDecimal("0.12"), Ledger.calculateInterest(new BigDecimal("0.125"), BigDecimal.ONE));
        assertEquals(new BigDecimal("0.14"), Ledger.calculateInterest(new BigDecimal("0.135"), BigDecimal.ONE));
    }
`
    : ''
}}
`;

const JUNIT_CP = '/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar';

export interface Fixture {
  dir: string;
}

/**
 * Creates the repository: `bulwark.toml` (with `mutationToml`, the `[mutation]` table body) and
 * the base ledger in the first commit, the head ledger in the second.
 */
export function makeFixture(lang: FixtureLanguage, strong: boolean, mutationToml = ''): Fixture {
  const dir = tempDir(`bulwark-mut-${lang}-`);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'dev@example.com');
  git(dir, 'config', 'user.name', 'Dev');
  let base: Record<string, string>;
  let head: Record<string, string>;
  let table = mutationToml;
  if (lang === 'python') {
    base = { 'ledger.py': PY_BASE, 'test_ledger.py': PY_TEST(strong) };
    head = { 'ledger.py': PY_HEAD };
  } else if (lang === 'ts') {
    base = {
      'src/ledger.ts': TS_BASE,
      'test/ledger.test.mjs': TS_TEST(strong),
      'package.json': JSON.stringify({ name: 'ledger', private: true, type: 'module' }),
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          types: [],
          lib: ['ES2022'],
          skipLibCheck: true,
          rootDir: 'src',
        },
        include: ['src'],
      }),
    };
    head = { 'src/ledger.ts': TS_HEAD };
    // the project's own compiler, from its node_modules (linked to this package's)
    table = `build_command = 'node node_modules/typescript/bin/tsc -p . --outDir "$TMPDIR/out"'\n` + `test_command = 'node --test test/'\n` + table;
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(path.join(packageRoot, 'node_modules', 'typescript'), path.join(dir, 'node_modules', 'typescript'));

    writeFileSync(path.join(dir, '.gitignore'), 'node_modules\n');
  } else if (lang === 'go') {
    base = { 'go.mod': 'module example.com/ledger\n\ngo 1.19\n', 'ledger.go': GO_BASE, 'ledger_test.go': GO_TEST(strong) };
    head = { 'ledger.go': GO_HEAD };
  } else {
    base = { 'src/Ledger.java': JAVA_BASE, 'test/LedgerTest.java': JAVA_TEST(strong) };
    head = { 'src/Ledger.java': JAVA_HEAD };
    table =
      `build_command = 'javac -d "$TMPDIR/classes" -cp ${JUNIT_CP} src/*.java test/*.java'\n` +
      `test_command = 'java -cp "$TMPDIR/classes:${JUNIT_CP}" org.junit.runner.JUnitCore LedgerTest'\n` +
      table;
  }
  write(dir, { ...base, 'bulwark.toml': `[gate]\nroots = ['*.calculate_interest', '*.calculateInterest', '*.CalculateInterest']\n\n[mutation]\n${table}` });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'base');
  write(dir, head);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'head: round half to even');
  return { dir };
}
