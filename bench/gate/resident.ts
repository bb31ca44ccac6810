// The gate after one edit, as a developer's loop runs it: `bulwark gate` in its own process against
// `bulwark gate --resident` (the repository's resident gate), on a generated ~100 kLOC repository.
// Usage: node dist/bench/gate/resident.js [--lines N] [--lang ts|python] [--edits N]
// Each round commits a one-line edit of another file and runs both commands, in alternating order,
// each with a cache folder of its own kept from round to round (both start from the cold run's); the two outputs must be byte for byte the same. Prints medians of
// whole-process wall time against the 0.5 s target, and their ratio, measured in this one run.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagValue, generatedRepoFlags } from './args.js';
import { commitAll, generateRepo } from './generate.js';

const { lines, langs } = generatedRepoFlags('ts');
const edits = Number(flagValue('--edits') ?? 10);
const TARGET_WARM_MS = 500;
const TARGET_RSS_MB = 300;
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/bulwark.js');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ratio = (v: number, target: number): string => (v / target).toFixed(2);

/** The times the resident gates under a runtime folder logged for their evaluations, in order. */
function residentEvaluationsMs(runtimeDir: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync(runtimeDir).filter((n) => n.startsWith('bulwark-gate-')))
    for (const log of readdirSync(path.join(runtimeDir, d)).filter((n) => n.endsWith('.log')))
      for (const m of readFileSync(path.join(runtimeDir, d, log), 'utf8').matchAll(/ evaluated \S+ in (\d+) ms$/gm)) out.push(Number(m[1]));
  return out;
}

function gate(env: NodeJS.ProcessEnv, gateArgs: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const res = spawnSync(process.execPath, [bin, 'gate', ...gateArgs], { encoding: 'utf8', maxBuffer: 1 << 28, env });
  const ms = performance.now() - t0;
  // exit 2: flagged, which every edit of the benchmark's regulated function is
  if (res.status !== 0 && res.status !== 2) throw new Error(`bulwark gate ${gateArgs.join(' ')} exited ${res.status}: ${res.stderr}`);
  if (res.stderr.trim() !== '') throw new Error(`bulwark gate ${gateArgs.join(' ')} wrote to stderr: ${res.stderr}`);
  return { ms, stdout: res.stdout };
}

for (const lang of langs) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `bulwark-bench-resident-${lang}-`));
  const work = mkdtempSync(path.join(os.tmpdir(), 'bulwark-bench-resident-work-'));
  // a runtime folder of its own: this benchmark's resident gate is never someone else's
  const env = { ...process.env, XDG_RUNTIME_DIR: path.join(work, 'run') };
  mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
  try {
    const repo = generateRepo(dir, lang, lines);
    const roots = lang === 'python' ? ['*.process_payment', '*.approve_loan'] : ['*.processPayment', '*.approveLoan'];
    const config = path.join(work, 'bulwark.toml');
    writeFileSync(config, `[gate]\nroots = ${JSON.stringify(roots)}\n`);
    const common = ['--repo', dir, '--base', 'main', '--config', config, '--json'];
    const ext = lang === 'python' ? 'py' : 'ts';
    const folder = lang === 'python' ? 'pkg' : 'src';
    const edit = (round: number): void => {
      const file = path.join(dir, folder, `m${1 + ((round * 37) % (repo.files - 1))}.${ext}`);
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.replace(repo.editTarget.marker, repo.editTarget.marker.replace('0', `0 + ${round + 1}`)));
    };
    spawnSync('git', ['-C', dir, 'checkout', '-q', '-b', 'change']);
    edit(0);
    commitAll(dir, 'edit 0');
    // cold: no cache; the resident gate starts here, and analyses the revisions for the first time
    // each command keeps a cache folder of its own from edit to edit, as a developer's does; both
    // start from the cold run's, and then see the same edits in the same order
    const a = path.join(work, 'own');
    const b = path.join(work, 'resident');
    const first = gate(env, [...common, '--head', 'HEAD', '--cache-dir', a]);
    const started = gate(env, [...common, '--head', 'HEAD', '--cache-dir', path.join(work, 'start'), '--resident']);
    if (started.stdout !== first.stdout) throw new Error('the resident gate decided differently from the process of its own');
    const coldStatus = spawnSync(process.execPath, [bin, 'gate', 'resident', 'status', '--repo', dir, '--json'], { encoding: 'utf8', env });
    const coldPeak = (JSON.parse(coldStatus.stdout) as { maxRssBytes: number }).maxRssBytes;
    const own: number[] = [];
    const resident: number[] = [];
    for (let round = 1; round <= edits; round++) {
      edit(round);
      commitAll(dir, `edit ${round}`);
      if (round === 1) cpSync(a, b, { recursive: true });
      const runOwn = () => gate(env, [...common, '--head', 'HEAD', '--cache-dir', a]);
      const runResident = () => gate(env, [...common, '--head', 'HEAD', '--cache-dir', b, '--resident']);
      let x: { ms: number; stdout: string };
      let y: { ms: number; stdout: string };
      if (round % 2) {
        x = runOwn();
        y = runResident();
      } else {
        y = runResident();
        x = runOwn();
      }
      if (x.stdout !== y.stdout) throw new Error(`round ${round}: the resident gate decided differently from the process of its own`);
      own.push(x.ms);
      resident.push(y.ms);
    }
    // what any process costs here: Node starting and exiting, with this environment (a machine's
    // NODE_EXTRA_CA_CERTS, say, is read at every start)
    const bare: number[] = [];
    for (let i = 0; i < edits; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '0'], { env });
      bare.push(performance.now() - t0);
    }
    const status = spawnSync(process.execPath, [bin, 'gate', 'resident', 'status', '--repo', dir, '--json'], { encoding: 'utf8', env });
    const { rssBytes, maxRssBytes } = JSON.parse(status.stdout) as { rssBytes: number; maxRssBytes: number };
    spawnSync(process.execPath, [bin, 'gate', 'resident', 'stop', '--repo', dir], { env });
    // the resident gate's own time for each evaluation, from its log: the rest of a run is the asking process
    const evaluations = residentEvaluationsMs(env.XDG_RUNTIME_DIR).slice(-edits);
    const mOwn = median(own);
    const mRes = median(resident);
    console.log(
      `gate resident bench ${lang}: ${repo.files} files, ${repo.lines} lines; ${edits} edits; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
    );
    const mb = (b: number): number => b / 1048576;
    console.log(`  cold, bulwark gate                    process wall ${Math.round(first.ms)} ms`);
    console.log(
      `  cold, bulwark gate --resident         process wall ${Math.round(started.ms)} ms, ${(started.ms / first.ms).toFixed(2)} of the process of its own (starts the resident gate); its peak RSS ${mb(coldPeak).toFixed(0)} MB ratio ${ratio(mb(coldPeak), TARGET_RSS_MB)}`,
    );
    console.log(
      `  warm+1 edit, bulwark gate             process wall median ${Math.round(mOwn)} ms ratio ${ratio(mOwn, TARGET_WARM_MS)} (${own.map(Math.round).join(' ')})`,
    );
    console.log(
      `  warm+1 edit, bulwark gate --resident  process wall median ${Math.round(mRes)} ms ratio ${ratio(mRes, TARGET_WARM_MS)} (${resident.map(Math.round).join(' ')})`,
    );
    console.log(`  resident / own process                ${(mRes / mOwn).toFixed(2)}; all ${edits} decisions byte for byte the same`);
    if (evaluations.length === edits)
      console.log(
        `  of which the resident's evaluation    median ${Math.round(median(evaluations))} ms (${evaluations.join(' ')}), the asking process about ${Math.round(mRes - median(evaluations))} ms`,
      );
    console.log(`  node -e 0 (Node alone, same env)      process wall median ${Math.round(median(bare))} ms (${bare.map(Math.round).join(' ')})`);
    console.log(
      `  resident gate after the runs          RSS ${mb(rssBytes).toFixed(0)} MB ratio ${ratio(mb(rssBytes), TARGET_RSS_MB)}, peak ${mb(maxRssBytes).toFixed(0)} MB ratio ${ratio(mb(maxRssBytes), TARGET_RSS_MB)}`,
    );
  } finally {
    spawnSync(process.execPath, [bin, 'gate', 'resident', 'stop', '--repo', dir], { env });
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}
