/**
 * Drift between native/sandbox-tables.json (the launcher's seccomp rules and exit statuses) and
 * what is built or read from it: the generated C headers, the launcher binary's compiled-in tables
 * and the BPF program it assembles from them (run through a small BPF interpreter), the C sources'
 * use of the statuses, and the TypeScript readers. Any edit on one side alone fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { SandboxError } from '../../src/domain/errors.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { launcherError } from '../../src/sandbox/launcher-args.js';
import { defaultLauncherPath } from '../../src/sandbox/launcher.js';
import { filteredSyscallNames, seccompRules } from '../../src/sandbox/syscalls.js';
import { launcherStatuses, parseSandboxTables, SANDBOX_TABLES_FILE, sandboxTables, type SandboxTables } from '../../src/sandbox/tables.js';

interface Generator {
  validateTables(t: unknown): unknown;
  generateHeaders(t: unknown): Record<string, string>;
  syscallsForArch(t: unknown, arch: string): string[];
}
const generator = (await import(pathToFileURL(path.join(packageRoot, 'scripts', 'gen-sandbox-tables.mjs')).href)) as Generator;

/** What `bulwark-sandbox --print-tables` reports. */
interface CompiledTables {
  statuses: { code: number; symbol: string; layer: string; meaning: string }[];
  seccomp: {
    arch: string | null;
    auditArch: number | null;
    killSyscallsFrom: number | null;
    foreignAbiShown: string;
    rules: { syscall: string; nr: number; errno: string; errnoValue: number; test: string; arg: number; values: { name: string; value: number }[] }[];
    program: [number, number, number, number][];
  };
}

const rawText = readFileSync(SANDBOX_TABLES_FILE, 'utf8');
const tables: SandboxTables = sandboxTables();

function compiledTables(): CompiledTables {
  const launcher = defaultLauncherPath();
  const r = spawnSync(launcher, ['--print-tables'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, `${launcher} --print-tables failed: ${r.error?.message ?? r.stderr}`);
  assert.equal(r.stdout.split('\n').length, 2, 'one JSON line');
  return JSON.parse(r.stdout) as CompiledTables;
}

// --- a classic-BPF interpreter for the instructions the launcher's builder emits ---------------

const RET_KILL_PROCESS = 0x80000000;
const RET_ALLOW = 0x7fff0000;
const retErrno = (e: number) => (0x00050000 | (e & 0xffff)) >>> 0;

interface SeccompData {
  nr: number;
  arch: number;
  args?: number[];
}

function loadWord(d: SeccompData, offset: number): number {
  if (offset === 0) return d.nr >>> 0;
  if (offset === 4) return d.arch >>> 0;
  assert.ok(offset >= 16 && offset < 64 && offset % 4 === 0, `load from offset ${offset}`);
  const v = d.args?.[Math.floor((offset - 16) / 8)] ?? 0;
  const lowWordFirst = os.endianness() === 'LE';
  const high = (offset - 16) % 8 === 4 ? lowWordFirst : !lowWordFirst;
  return (high ? Math.floor(v / 2 ** 32) : v % 2 ** 32) >>> 0;
}

function runFilter(program: CompiledTables['seccomp']['program'], d: SeccompData): number {
  let a = 0;
  let pc = 0;
  for (;;) {
    const insn = program[pc];
    assert.ok(insn, `pc ${pc} left the program`);
    const [code, jt, jf, k] = insn;
    switch (code & 0x07) {
      case 0x00: // BPF_LD
        assert.equal(code, 0x20, `only BPF_LD|BPF_W|BPF_ABS is emitted (got ${code})`);
        a = loadWord(d, k);
        pc++;
        break;
      case 0x05: {
        // BPF_JMP with a constant operand: jumps are forward only, so this ends
        const op = code & 0xf0;
        assert.equal(code & 0x08, 0, 'BPF_K operand');
        let taken: boolean;
        if (op === 0x10) taken = a === k >>> 0;
        else if (op === 0x30) taken = a >= k >>> 0;
        else if (op === 0x40) taken = (a & k) >>> 0 !== 0;
        else assert.fail(`unexpected jump op ${op}`);
        pc += 1 + (taken ? jt : jf);
        break;
      }
      case 0x06: // BPF_RET|BPF_K
        assert.equal(code, 0x06);
        return k >>> 0;
      default:
        assert.fail(`unexpected instruction class in ${code}`);
    }
  }
}

// --- tests -----------------------------------------------------------------------------------

/** The parts of native/sandbox-tables.json the broken copies below change. */
interface TablesShape {
  seccomp: { rules: (Record<string, unknown> & { syscalls: string[]; when?: Record<string, unknown> })[] };
  launcherStatus: { statuses: { code: number }[] };
}

describe('sandbox tables: native/sandbox-tables.json is the one source (drift test)', () => {
  it("passes both readers' checks, and both refuse a broken copy", () => {
    generator.validateTables(JSON.parse(rawText));
    const broken: Array<[string, (t: TablesShape) => void]> = [
      ['a syscall in two rules', (t) => t.seccomp.rules[1]!.syscalls.push(t.seccomp.rules[0]!.syscalls[0]!)],
      ['a status code used twice', (t) => (t.launcherStatus.statuses[1]!.code = t.launcherStatus.statuses[0]!.code)],
      ['a misspelled key', (t) => (t.seccomp.rules[0]!.errrno = 'EPERM')],
      ['two argument tests in one rule', (t) => (t.seccomp.rules.find((r) => r.when)!.when!.anyBitOf = ['X'])],
    ];
    for (const [what, mutate] of broken) {
      const t = JSON.parse(rawText) as TablesShape;
      mutate(t);
      assert.throws(() => generator.validateTables(t), Error, `generator accepted ${what}`);
      assert.throws(() => parseSandboxTables(JSON.stringify(t)), Error, `TypeScript reader accepted ${what}`);
    }
  });

  it('the headers in build/ are what the generator makes of the data file now', () => {
    const gen = path.join(packageRoot, 'build', 'Release', 'obj', 'gen');
    const fresh = generator.generateHeaders(JSON.parse(rawText));
    assert.deepEqual(Object.keys(fresh).sort(), ['launcher_status.h', 'seccomp_table.h']);
    for (const [name, content] of Object.entries(fresh))
      assert.equal(readFileSync(path.join(gen, name), 'utf8'), content, `${name} is stale: rebuild the launcher (npx node-gyp rebuild)`);
  });

  it("the launcher was built with the data file's status table", () => {
    assert.deepEqual(compiledTables().statuses, tables.launcherStatus.statuses);
  });

  it("the launcher compiled in exactly the data file's rules for its architecture", () => {
    const { seccomp: c } = compiledTables();
    const arch = tables.seccomp.architectures.find((a) => a.name === c.arch);
    assert.ok(arch, `launcher architecture ${String(c.arch)} is not in the data file`);
    assert.equal(c.killSyscallsFrom, arch.killSyscallsFrom === undefined ? null : Number(arch.killSyscallsFrom));
    assert.equal(c.foreignAbiShown, tables.seccomp.foreignAbi.shown);
    const onArch = new Set(generator.syscallsForArch(tables, arch.name));
    const expected = tables.seccomp.rules.flatMap((r) =>
      r.syscalls
        .filter((n) => onArch.has(n))
        .map((n) => {
          const test = r.when ? (['in', 'notIn', 'anyBitOf'] as const).find((k) => r.when![k] !== undefined)! : 'always';
          return { syscall: n, errno: r.errno, test, arg: r.when?.arg ?? 0, values: r.when ? r.when[test as 'in']! : [] };
        }),
    );
    const actual = c.rules.map((r) => ({ syscall: r.syscall, errno: r.errno, test: r.test, arg: r.arg, values: r.values.map((v) => v.name) }));
    // A syscall missing here while the data file lists it: the build host's headers lack its number
    // (onlyWhereHeadersDefine), and the launcher would not deny what the policy printer says it does.
    assert.deepEqual(actual, expected);
    const errnos = os.constants.errno as Record<string, number>;
    for (const r of c.rules) assert.equal(r.errnoValue, errnos[r.errno], `${r.syscall}: ${r.errno}`);
    for (const r of c.rules)
      if (c.rules.filter((o) => o.nr === r.nr).length > 1) assert.notEqual(r.test, 'always', `${r.syscall}: in several rules, one of them unconditional`);
  });

  it("the launcher's BPF program does what the data file says (interpreted)", () => {
    const { seccomp: c } = compiledTables();
    const p = c.program;
    assert.ok(p.length > 0 && (p[p.length - 1]![0] & 0x07) === 0x06, 'ends in a return');
    p.forEach(([code, jt, jf], i) => {
      if ((code & 0x07) === 0x05) assert.ok(i + 1 + Math.max(jt, jf) < p.length, `jump at ${i} leaves the program`);
    });
    const native = c.auditArch!;
    const run = (nr: number, args?: number[]) => runFilter(p, { nr, arch: native, args });

    // Another ABI's syscall table: killed, whatever the number.
    for (const arch of [0x40000003 /* i386 */, 0x40000028 /* arm */, (native ^ 0x80000000) >>> 0])
      for (const nr of [0, 1, 59, 221]) assert.equal(runFilter(p, { nr, arch }), RET_KILL_PROCESS, `arch ${arch.toString(16)} nr ${nr}`);
    if (c.killSyscallsFrom !== null) for (const nr of [0, 39, 512]) assert.equal(run((nr | c.killSyscallsFrom) >>> 0), RET_KILL_PROCESS);

    const MASK32 = 2 ** 32;
    for (const r of c.rules) {
      const deny = retErrno(r.errnoValue);
      const vals = r.values.map((v) => v.value);
      const other = [0, 1, 2, 0x7fffffff, 0x12345].find((v) => !vals.includes(v))!;
      // Other rules for the same call test other arguments: give those a value their test lets through.
      const base = [0, 0, 0, 0, 0, 0];
      for (const o of c.rules) {
        if (o === r || o.nr !== r.nr) continue;
        const ov = o.values.map((x) => x.value);
        base[o.arg] = o.test === 'notIn' ? ov[0]! : 0;
      }
      const at = (v: number) => {
        const args = [...base];
        args[r.arg] = v;
        return args;
      };
      const label = `${r.syscall} (${r.test})`;
      switch (r.test) {
        case 'always':
          assert.equal(run(r.nr, at(0)), deny, label);
          break;
        case 'in':
          for (const v of vals) {
            assert.equal(run(r.nr, at(v)), deny, `${label} ${v}`);
            assert.equal(run(r.nr, at(v + MASK32)), deny, `${label} ${v}: only the low 32 bits count`);
          }
          assert.equal(run(r.nr, at(other)), RET_ALLOW, `${label} ${other}`);
          break;
        case 'notIn':
          for (const v of vals) assert.equal(run(r.nr, at(v)), RET_ALLOW, `${label} ${v}`);
          assert.equal(run(r.nr, at(other)), deny, `${label} ${other}`);
          break;
        case 'anyBitOf': {
          const mask = vals.reduce((m, v) => (m | v) >>> 0, 0);
          for (const v of vals) assert.equal(run(r.nr, at(v | 0x11)), deny, `${label} ${v}`);
          assert.equal(run(r.nr, at(0)), RET_ALLOW, `${label} 0`);
          assert.equal(run(r.nr, at(~mask >>> 0)), RET_ALLOW, `${label}: every bit outside the mask`);
          break;
        }
        default:
          assert.fail(`unknown test ${r.test}`);
      }
    }
    // Everything else is allowed.
    const listed = new Set(c.rules.map((r) => r.nr));
    for (let nr = 0; nr < 512; nr++) if (!listed.has(nr)) assert.equal(run(nr, [1, 0x5412, 0, 0, 0, 0]), RET_ALLOW, `nr ${nr}`);
  });

  it("the C sources exit only with the table's statuses, and each die() names its status's layer", () => {
    const dir = path.join(packageRoot, 'native');
    const sources = readdirSync(dir)
      .filter((f) => /\.[ch]$/.test(f))
      // Comments may mention die() or a status in prose; only code counts.
      .map((f) => ({
        file: f,
        text: readFileSync(path.join(dir, f), 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, ' ')
          .replace(/\/\/[^\n]*/g, ' '),
      }));
    const layerOf = new Map(tables.launcherStatus.statuses.map((s) => [s.symbol, s.layer]));
    const used = new Set<string>();
    for (const { file, text } of sources) {
      for (const m of text.matchAll(/\bST_[A-Z][A-Z0-9_]*\b/g)) {
        assert.ok(layerOf.has(m[0]), `${file} uses ${m[0]}, which is not in the table`);
        used.add(m[0]);
      }
      let calls = 0;
      for (const m of text.matchAll(/\b(die|die_errno)\(\s*(ST_[A-Z0-9_]+)\s*,\s*"([^"]*)"/g)) {
        calls++;
        assert.equal(m[3], layerOf.get(m[2]!), `${file}: ${m[0]}`);
      }
      for (const m of text.matchAll(/\bdegrade\([^,]+,\s*(ST_[A-Z0-9_]+)\s*,\s*"([^"]*)"/g)) {
        calls++;
        const layer = layerOf.get(m[1]!)!;
        assert.ok(m[2] === layer || m[2]!.startsWith(`${layer}-`), `${file}: ${m[0]}`);
      }
      const all = [...text.matchAll(/(?<!void )\b(die|die_errno|degrade)\(/g)].length;
      assert.equal(calls, all, `${file}: every die/die_errno/degrade call names a status and a layer literally`);
      assert.doesNotMatch(text, /\b_?exit\s*\(\s*\d/, `${file}: exit with a literal status`);
      const main = /\bint main\([^)]*\)\s*\{([\s\S]*?)\n\}/.exec(text);
      if (main)
        for (const r of main[1]!.matchAll(/\breturn\s+([^;]+);/g)) assert.match(r[1]!, /^(0|ST_[A-Z0-9_]+|[a-z_]+\(\))$/, `${file}: main returns ${r[1]}`);
    }
    for (const s of layerOf.keys()) assert.ok(used.has(s), `${s} is in the table but no C source uses it`);
  });

  it("the TypeScript readers show and map exactly the data file's entries", () => {
    const rules = seccompRules();
    assert.deepEqual(
      rules.slice(0, -1).map((r) => r.names),
      tables.seccomp.rules.map((r) => r.syscalls),
    );
    assert.equal(rules.at(-1)!.action, 'kill process');
    assert.deepEqual(
      filteredSyscallNames(),
      tables.seccomp.rules.flatMap((r) => r.syscalls),
    );
    assert.deepEqual(launcherStatuses(), tables.launcherStatus.statuses);
    for (const s of tables.launcherStatus.statuses) {
      const e = launcherError({ degraded: [], errors: [] }, s.code, null);
      assert.ok(e instanceof SandboxError);
      assert.match(e.message, new RegExp(`at the ${s.layer} step \\(status ${s.code}\\)`));
    }
    assert.match(launcherError({ degraded: [], errors: [] }, 1, null).message, /ended before starting the command \(status 1\)/);
  });
});
