import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Generates a synthetic repository of about `targetLines` lines: `files` modules that import each
 * other (aliases included), classes with methods calling each other through `self`/`this`,
 * module constants, and a few regulated roots, so the call graph has realistic fan-in/fan-out.
 */
export interface GeneratedRepo {
  dir: string;
  lines: number;
  files: number;
  /** A file and a line inside a function, for making small edits. */
  editTarget: { file: string; marker: string };
}

const git = (dir: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@example.com',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@example.com',
      GIT_CONFIG_GLOBAL: '/dev/null',
    },
  });

export function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD').trim();
}

const FUNCS = 8;
const METHODS = 8;

function pythonModule(i: number, files: number): string {
  const a = (i * 7 + 3) % files;
  const b = (i * 13 + 5) % files;
  const out: string[] = [];
  out.push(`from pkg.m${a} import f${a}_0 as helper_a`);
  out.push(`import pkg.m${b} as mb`);
  out.push('');
  out.push(`RATE_${i} = ${(i % 97) / 100}`);
  out.push(`LIMIT_${i} = ${i * 10}`);
  out.push('');
  out.push(`class Service${i}:`);
  for (let m = 0; m < METHODS; m++) {
    out.push(`    def method_${m}(self, x):`);
    out.push(`        y = x + RATE_${i}`);
    out.push(`        if y > LIMIT_${i}:`);
    out.push(`            y = helper_a(y)`);
    out.push(`        for k in range(3):`);
    out.push(`            y = y + k * 2`);
    out.push(`        z = [v * 2 for v in range(int(y) % 5)]`);
    out.push(`        if len(z) > 2:`);
    out.push(`            y = y - sum(z)`);
    out.push(m + 1 < METHODS ? `        return self.method_${m + 1}(y)` : `        return mb.f${b}_${m % FUNCS}(y)`);
    out.push('');
  }
  for (let f = 0; f < FUNCS; f++) {
    const name = i % 50 === 0 && f === 0 ? 'process_payment' : i % 50 === 1 && f === 0 ? 'approve_loan' : `f${i}_${f}`;
    out.push(`def ${name}(x):`);
    out.push(`    total = 0`);
    out.push(`    for v in range(int(x) % 7):`);
    out.push(`        total += v * RATE_${i}`);
    out.push(`        if total > LIMIT_${i}:`);
    out.push(`            break`);
    out.push(`    values = {"a": total, "b": x}`);
    out.push(`    total = total + values["a"]`);
    if (f + 1 < FUNCS) out.push(`    return f${i}_${f + 1}(total) if x > ${f} else total`);
    else out.push(`    return Service${i}().method_0(total) if x > 100 else total`);
    out.push('');
  }
  return out.join('\n');
}

function tsModule(i: number, files: number): string {
  const a = (i * 7 + 3) % files;
  const b = (i * 13 + 5) % files;
  const out: string[] = [];
  out.push(`import { f${a}_0 as helperA } from './m${a}.js';`);
  out.push(`import * as mb from './m${b}.js';`);
  out.push('');
  out.push(`export const RATE_${i} = ${(i % 97) / 100};`);
  out.push(`export const LIMIT_${i} = ${i * 10};`);
  out.push('');
  out.push(`export interface Api${i} {`);
  out.push(`  method_0(x: number): number;`);
  out.push(`}`);
  out.push('');
  out.push(`export class Service${i} implements Api${i} {`);
  for (let m = 0; m < METHODS; m++) {
    out.push(`  method_${m}(x: number): number {`);
    out.push(`    let y = x + RATE_${i};`);
    out.push(`    if (y > LIMIT_${i}) {`);
    out.push(`      y = helperA(y);`);
    out.push(`    }`);
    out.push(`    for (let k = 0; k < 3; k++) {`);
    out.push(`      y = y + k * 2;`);
    out.push(`    }`);
    out.push(`    const z = [1, 2, 3].map((v) => v * 2);`);
    out.push(m + 1 < METHODS ? `    return this.method_${m + 1}(y) + z.length;` : `    return mb.f${b}_${m % FUNCS}(y) + z.length;`);
    out.push(`  }`);
    out.push('');
  }
  out.push(`}`);
  out.push('');
  for (let f = 0; f < FUNCS; f++) {
    const name = i % 50 === 0 && f === 0 ? 'processPayment' : i % 50 === 1 && f === 0 ? 'approveLoan' : `f${i}_${f}`;
    out.push(`export function ${name}(x: number): number {`);
    out.push(`  let total = 0;`);
    out.push(`  for (let v = 0; v < x % 7; v++) {`);
    out.push(`    total += v * RATE_${i};`);
    out.push(`    if (total > LIMIT_${i}) break;`);
    out.push(`  }`);
    out.push(`  const values: Record<string, number> = { a: total, b: x };`);
    out.push(`  total = total + (values['a'] ?? 0);`);
    if (f + 1 < FUNCS) out.push(`  return x > ${f} ? f${i}_${f + 1}(total) : total;`);
    else out.push(`  return x > 100 ? new Service${i}().method_0(total) : total;`);
    out.push(`}`);
    out.push('');
  }
  // keep the generated names resolvable when a root took the slot of f<i>_0
  if (i % 50 === 0) out.push(`export const f${i}_0 = processPayment;`);
  if (i % 50 === 1) out.push(`export const f${i}_0 = approveLoan;`);
  return out.join('\n');
}

export function generateRepo(dir: string, language: 'python' | 'ts', targetLines: number): GeneratedRepo {
  const perFile = (language === 'python' ? pythonModule(1, 10) : tsModule(1, 10)).split('\n').length;
  const files = Math.max(2, Math.round(targetLines / perFile));
  mkdirSync(path.join(dir, language === 'python' ? 'pkg' : 'src'), { recursive: true });
  let lines = 0;
  for (let i = 0; i < files; i++) {
    const text = language === 'python' ? pythonModule(i, files) : tsModule(i, files);
    lines += text.split('\n').length;
    writeFileSync(path.join(dir, language === 'python' ? `pkg/m${i}.py` : `src/m${i}.ts`), text);
  }
  if (language === 'python') writeFileSync(path.join(dir, 'pkg/__init__.py'), '');
  git(dir, 'init', '-q', '-b', 'main');
  commitAll(dir, 'generated');
  const target = Math.floor(files / 2);
  return {
    dir,
    lines,
    files,
    editTarget: {
      file: language === 'python' ? `pkg/m${target}.py` : `src/m${target}.ts`,
      marker: language === 'python' ? '    total = 0\n' : '  let total = 0;\n',
    },
  };
}
