/**
 * Which command runs a project's tests, and how to narrow it to the tests related to one file.
 * Pure: the caller lists the repository's top-level files and reads package.json.
 */
import path from 'node:path';

export type RunnerKind = 'pytest' | 'npm' | 'node-test' | 'go' | 'maven' | 'gradle' | 'custom';

export interface TestPlan {
  runner: RunnerKind;
  /** Shell text run by /bin/sh -c in the work tree. */
  command: string;
  /** Go compiles a test binary first and runs it in a second, separate sandbox (see runner.ts). */
  goPackages?: boolean;
}

export interface ProjectFacts {
  /** Repository-relative paths of every tracked file. */
  files: string[];
  /** package.json's scripts.test, when there is one. */
  npmTestScript?: string;
}

/** The detected test command, or undefined when none is recognisable (then `[mutation] test_command` is required). */
export function detectTestPlan(facts: ProjectFacts, configured?: string): TestPlan | undefined {
  if (configured) return { runner: 'custom', command: configured };
  const has = (f: string) => facts.files.includes(f);
  if (has('go.mod')) return { runner: 'go', command: 'go test', goPackages: true };
  if (has('pom.xml')) return { runner: 'maven', command: 'mvn -o -q test' };
  if (has('build.gradle') || has('build.gradle.kts')) return { runner: 'gradle', command: 'gradle --offline -q test' };
  if (has('package.json') && facts.npmTestScript) {
    if (/^node --test\b/.test(facts.npmTestScript.trim())) return { runner: 'node-test', command: facts.npmTestScript.trim() };
    return { runner: 'npm', command: 'npm test --silent' };
  }
  const py = facts.files.some((f) => /(^|\/)(test_[^/]*|[^/]*_test)\.py$/.test(f));
  if (py || has('pytest.ini') || has('conftest.py')) return { runner: 'pytest', command: 'python3 -m pytest -q -p no:cacheprovider' };
  return undefined;
}

/** Test files named after the mutated module (test_ledger.py, ledger_test.py, ledger.test.ts, LedgerTest.java). */
export function relatedTests(files: string[], mutated: string): string[] {
  const stem = path.basename(mutated).replace(/\.[^.]+$/, '');
  const names = new Set([`test_${stem}.py`, `${stem}_test.py`, `${stem}.test.ts`, `${stem}.test.js`, `${stem}.test.mjs`, `${stem}Test.java`]);
  return files.filter((f) => names.has(path.basename(f)));
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The command narrowed to the tests related to `mutated`, for runners that can select tests;
 * the full command otherwise (and when no related test is found).
 */
export function selectedCommand(plan: TestPlan, files: string[], mutated: string): string {
  const related = relatedTests(files, mutated);
  if (related.length === 0) return plan.command;
  if (plan.runner === 'pytest') return `${plan.command} ${related.map(shellQuote).join(' ')}`;
  if (plan.runner === 'node-test' && /^node --test\s*$/.test(plan.command)) return `node --test ${related.map(shellQuote).join(' ')}`;
  if (plan.runner === 'maven') return `${plan.command} -Dtest=${related.map((f) => path.basename(f, '.java')).join(',')}`;
  if (plan.runner === 'gradle') return `${plan.command} ${related.map((f) => `--tests ${shellQuote(path.basename(f, '.java'))}`).join(' ')}`;
  return plan.command;
}
