// `bulwark gate --json` on a change whose answer lists a great many long paths: 64 roots reach,
// through a chain of calls, every one of 2,100 changed functions (a refactor of a shared layer).
// Usage: node dist/bench/gate/large-output.js [--roots N] [--leaves N] [--chain N]
// Prints, for the JSON and the text output, the exit code, the bytes written, wall time and the
// process's peak RSS (from GNU time, when /usr/bin/time is there). With the default chain of 50
// the JSON is about 640 MB, longer than the longest string V8 makes. The commits are dated, so
// their ids, and the outputs' digests, are the same from run to run and build to build.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagValue } from './args.js';

const roots = Number(flagValue('--roots') ?? 64);
const leaves = Number(flagValue('--leaves') ?? 2100);
const chain = Number(flagValue('--chain') ?? 50);
for (const [name, n] of [
  ['--roots', roots],
  ['--leaves', leaves],
  ['--chain', chain],
] as const) {
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`${name} ${flagValue(name)}: expected a whole number, at least 1\n`);
    process.exit(3);
  }
}
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/bulwark.js');
const PER_FILE = 100;

/** The repository: main, and a branch `change` that edits the body of every leaf. */
function generate(dir: string): void {
  const date = '2026-01-01T00:00:00Z';
  const env = { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  const git = (...a: string[]): void => void execFileSync('git', ['-C', dir, ...a], { stdio: 'pipe', env });
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'bench@example.invalid');
  git('config', 'user.name', 'bench');
  const files = Math.ceil(leaves / PER_FILE);
  const writeLeaves = (factor: number): void => {
    for (let k = 0; k < files; k++) {
      const n = Math.min(PER_FILE, leaves - k * PER_FILE);
      const ids = Array.from({ length: n }, (_, i) => i);
      writeFileSync(
        path.join(dir, 'src', `leaves${k}.ts`),
        `export function part${k}(x: number): number {\n  let s = 0;\n${ids.map((i) => `  s += leaf${k}_${i}(x);`).join('\n')}\n  return s;\n}\n` +
          ids.map((i) => `export function leaf${k}_${i}(x: number): number {\n  return x * ${factor} + ${i};\n}\n`).join(''),
      );
    }
  };
  writeLeaves(1);
  const parts = Array.from({ length: files }, (_, k) => k);
  writeFileSync(
    path.join(dir, 'src', 'hub.ts'),
    `${parts.map((k) => `import { part${k} } from './leaves${k}';`).join('\n')}\nexport function hub(x: number): number {\n  return ${parts.map((k) => `part${k}(x)`).join(' + ')};\n}\n`,
  );
  writeFileSync(
    path.join(dir, 'src', 'chain.ts'),
    `import { hub } from './hub';\n` +
      Array.from(
        { length: chain },
        (_, i) => `export function step${i}(x: number): number {\n  return ${i === chain - 1 ? 'hub' : `step${i + 1}`}(x + 1);\n}\n`,
      ).join(''),
  );
  writeFileSync(
    path.join(dir, 'src', 'roots.ts'),
    `import { step0 } from './chain';\n` +
      Array.from({ length: roots }, (_, i) => `export function settleLedger${i}(x: number): number {\n  return step0(x + ${i});\n}\n`).join(''),
  );
  git('add', '-A');
  git('commit', '-qm', 'base');
  git('checkout', '-qb', 'change');
  writeLeaves(2);
  git('commit', '-qam', 'change every leaf');
}

interface Run {
  code: number | null;
  bytes: number;
  sha256: string;
  ms: number;
  peakMB?: number;
  stderr: string;
}

/** One `bulwark gate` in a process of its own, its output counted and hashed as it arrives (never held). */
function gate(repo: string, config: string, json: boolean, timeFile: string): Promise<Run> {
  const args = [bin, 'gate', '--repo', repo, '--base', 'main', '--head', 'change', '--config', config, '--no-cache', ...(json ? ['--json'] : [])];
  const gnuTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const child = gnuTime ? spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, ...args]) : spawn(process.execPath, args);
  const hash = createHash('sha256');
  let bytes = 0;
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    bytes += b.length;
    hash.update(b);
  });
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - t0;
      const peakKB = gnuTime ? Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) : NaN;
      resolve({ code, bytes, sha256: hash.digest('hex'), ms, ...(Number.isFinite(peakKB) ? { peakMB: peakKB / 1024 } : {}), stderr: stderr.trim() });
    });
  });
}

const work = mkdtempSync(path.join(os.tmpdir(), 'bulwark-bench-large-output-'));
try {
  const repo = path.join(work, 'repo');
  generate(repo);
  const config = path.join(work, 'bulwark.toml');
  writeFileSync(config, '[gate]\nroots = ["*.settleLedger*"]\n');
  console.log(
    `gate large output bench: ${roots} roots reach ${leaves} changed functions through ${chain + 2} calls (${roots * leaves} paths in each revision); load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
  );
  for (const json of [true, false]) {
    const r = await gate(repo, config, json, path.join(work, 'time.txt'));
    const mb = (r.bytes / 1048576).toFixed(1);
    console.log(
      `  ${json ? '--json' : 'text  '}  exit ${r.code}, ${mb} MB written (sha256 ${r.sha256.slice(0, 12)}), wall ${(r.ms / 1000).toFixed(1)} s${r.peakMB !== undefined ? `, peak RSS ${r.peakMB.toFixed(0)} MB` : ''}${r.stderr ? `; stderr: ${r.stderr.split('\n')[0]}` : ''}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
