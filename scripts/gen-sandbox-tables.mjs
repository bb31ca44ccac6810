#!/usr/bin/env node
// Writes the launcher's C headers from native/sandbox-tables.json (the one copy of the seccomp rule
// table and the exit-status table; the TypeScript side reads the same file):
//   launcher_status.h  enum launch_status and LAUNCH_STATUS_TABLE(X)
//   seccomp_table.h    the native architecture's audit arch and the rule array seccomp_filter.c
//                      turns into a BPF program
// binding.gyp runs it before compiling:  node scripts/gen-sandbox-tables.mjs TABLES OUT.h...
// (each output is chosen by its file name). Imported by the drift test, which compares a fresh
// generation with the headers in build/. Plain Node, no dependencies: it runs during `npm ci`.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SYSCALL = /^[a-z][a-z0-9_]*$/;
const CONSTANT = /^[A-Z][A-Z0-9_]*$/;
const ERRNO = /^E[A-Z0-9]+$/;
const STATUS_SYMBOL = /^ST_[A-Z][A-Z0-9_]*$/;
const LAYER = /^[a-z][a-z0-9_-]*$/;
const ARCH = /^[a-z][a-z0-9_]*$/;
const HEX = /^0x[0-9a-f]{1,8}$/;
const TESTS = ['in', 'notIn', 'anyBitOf'];

class TableError extends Error {}
function fail(where, msg) {
  throw new TableError(`sandbox tables: ${where}: ${msg}`);
}
function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** Only the listed keys (and "$comment") may appear: a misspelled key must not be ignored silently. */
function keys(where, obj, required, optional = []) {
  if (!isObject(obj)) fail(where, 'expected an object');
  for (const k of required) if (!(k in obj)) fail(where, `missing "${k}"`);
  for (const k of Object.keys(obj)) if (k !== '$comment' && !required.includes(k) && !optional.includes(k)) fail(where, `unknown key "${k}"`);
}
function text(where, v) {
  // Printable ASCII only: the text goes into C string literals and comments as is.
  if (typeof v !== 'string' || v.length === 0 || !/^[\x20-\x7e]+$/.test(v) || v.includes('*/'))
    fail(where, 'expected non-empty printable ASCII text without "*/"');
  return v;
}
function ident(where, v, re) {
  if (typeof v !== 'string' || !re.test(v)) fail(where, `${JSON.stringify(v)} does not match ${re}`);
  return v;
}
function list(where, v, re) {
  if (!Array.isArray(v) || v.length === 0) fail(where, 'expected a non-empty array');
  const seen = new Set();
  for (const x of v) {
    ident(where, x, re);
    if (seen.has(x)) fail(where, `${x} listed twice`);
    seen.add(x);
  }
  return v;
}

/** Checks the whole file; returns it unchanged. Every later step may rely on what is checked here. */
export function validateTables(t) {
  keys('top level', t, ['seccomp', 'launcherStatus']);
  const s = t.seccomp;
  keys('seccomp', s, ['architectures', 'foreignAbi', 'rules', 'onlyWhereHeadersDefine', 'onlyOnArchitectures']);

  if (!Array.isArray(s.architectures) || s.architectures.length === 0) fail('seccomp.architectures', 'expected a non-empty array');
  const archNames = new Set();
  for (const [i, a] of s.architectures.entries()) {
    const w = `seccomp.architectures[${i}]`;
    keys(w, a, ['name', 'compilerMacro', 'auditArch'], ['killSyscallsFrom', 'why']);
    ident(`${w}.name`, a.name, ARCH);
    if (archNames.has(a.name)) fail(w, `${a.name} listed twice`);
    archNames.add(a.name);
    ident(`${w}.compilerMacro`, a.compilerMacro, /^__[a-z0-9_]+__$/);
    ident(`${w}.auditArch`, a.auditArch, /^AUDIT_ARCH_[A-Z0-9_]+$/);
    if (a.killSyscallsFrom !== undefined) ident(`${w}.killSyscallsFrom`, a.killSyscallsFrom, HEX);
    if (a.why !== undefined) text(`${w}.why`, a.why);
  }
  keys('seccomp.foreignAbi', s.foreignAbi, ['shown', 'why']);
  text('seccomp.foreignAbi.shown', s.foreignAbi.shown);
  text('seccomp.foreignAbi.why', s.foreignAbi.why);

  if (!Array.isArray(s.rules) || s.rules.length === 0) fail('seccomp.rules', 'expected a non-empty array');
  const named = new Set();
  const unconditional = new Set();
  for (const [i, r] of s.rules.entries()) {
    const w = `seccomp.rules[${i}]`;
    keys(w, r, ['syscalls', 'errno', 'why'], ['when']);
    list(`${w}.syscalls`, r.syscalls, SYSCALL);
    // Several rules for one syscall only when all of them are conditional: an unconditional rule
    // would make every later one unreachable, or be unreachable itself.
    for (const n of r.syscalls) {
      if (named.has(n) && (r.when === undefined || unconditional.has(n))) fail(w, `${n} is already in another rule`);
      named.add(n);
      if (r.when === undefined) unconditional.add(n);
    }
    ident(`${w}.errno`, r.errno, ERRNO);
    text(`${w}.why`, r.why);
    if (r.when !== undefined) {
      const present = TESTS.filter((k) => r.when?.[k] !== undefined);
      if (present.length !== 1) fail(`${w}.when`, `expected exactly one of ${TESTS.join(', ')}`);
      keys(`${w}.when`, r.when, ['arg', 'shown', present[0]]);
      if (!Number.isInteger(r.when.arg) || r.when.arg < 0 || r.when.arg > 5) fail(`${w}.when.arg`, 'expected an argument index 0-5');
      list(`${w}.when.${present[0]}`, r.when[present[0]], CONSTANT);
      text(`${w}.when.shown`, r.when.shown);
    }
  }

  if (!isObject(s.onlyWhereHeadersDefine)) fail('seccomp.onlyWhereHeadersDefine', 'expected an object');
  for (const [n, v] of Object.entries(s.onlyWhereHeadersDefine)) {
    if (n === '$comment') continue;
    if (!named.has(n)) fail('seccomp.onlyWhereHeadersDefine', `${n} is in no rule`);
    ident(`seccomp.onlyWhereHeadersDefine.${n}`, v, /^\d+\.\d+$/);
  }
  if (!isObject(s.onlyOnArchitectures)) fail('seccomp.onlyOnArchitectures', 'expected an object');
  for (const [n, v] of Object.entries(s.onlyOnArchitectures)) {
    if (n === '$comment') continue;
    if (!named.has(n)) fail('seccomp.onlyOnArchitectures', `${n} is in no rule`);
    list(`seccomp.onlyOnArchitectures.${n}`, v, ARCH);
    for (const a of v) if (!archNames.has(a)) fail(`seccomp.onlyOnArchitectures.${n}`, `unknown architecture ${a}`);
  }

  keys('launcherStatus', t.launcherStatus, ['statuses']);
  const st = t.launcherStatus.statuses;
  if (!Array.isArray(st) || st.length === 0) fail('launcherStatus.statuses', 'expected a non-empty array');
  const seen = { code: new Set(), symbol: new Set(), layer: new Set() };
  for (const [i, e] of st.entries()) {
    const w = `launcherStatus.statuses[${i}]`;
    keys(w, e, ['code', 'symbol', 'layer', 'meaning']);
    // 1-125: above that a shell reports signals and exec failures; 0 is the command's success.
    if (!Number.isInteger(e.code) || e.code < 1 || e.code > 125) fail(`${w}.code`, 'expected an integer 1-125');
    ident(`${w}.symbol`, e.symbol, STATUS_SYMBOL);
    ident(`${w}.layer`, e.layer, LAYER);
    text(`${w}.meaning`, e.meaning);
    for (const k of ['code', 'symbol', 'layer']) {
      if (seen[k].has(e[k])) fail(w, `${k} ${e[k]} used twice`);
      seen[k].add(e[k]);
    }
  }
  return t;
}

/** The syscalls of the native architecture `arch`, in rule order (what the launcher should compile in). */
export function syscallsForArch(t, arch) {
  const out = [];
  for (const r of t.seccomp.rules)
    for (const n of r.syscalls) {
      const only = t.seccomp.onlyOnArchitectures[n];
      if (!only || only.includes(arch)) out.push(n);
    }
  return out;
}

function cString(s) {
  // Validated as printable ASCII: JSON's escapes for it ("\"" and "\\") are C's.
  return JSON.stringify(s);
}

const HEADER = '/* Generated by scripts/gen-sandbox-tables.mjs from native/sandbox-tables.json: edit that file, not this one. */';

function statusHeader(t) {
  const st = t.launcherStatus.statuses;
  const out = [HEADER, '#ifndef BULWARK_LAUNCHER_STATUS_H', '#define BULWARK_LAUNCHER_STATUS_H', ''];
  out.push('/* Exit statuses of the launcher when it refuses to run the command, one per layer. */');
  out.push('enum launch_status {');
  for (const e of st) out.push(`  ${e.symbol} = ${e.code}, /* ${e.layer}: ${e.meaning} */`);
  out.push('};', '');
  out.push('/* LAUNCH_STATUS_TABLE(X) expands X(symbol, code, layer, meaning) for every status, in table order. */');
  const rows = st.map((e) => `  X(${e.symbol}, ${e.code}, ${cString(e.layer)}, ${cString(e.meaning)})`);
  out.push(['#define LAUNCH_STATUS_TABLE(X)', ...rows].join(' \\\n'));
  out.push('', '#endif', '');
  return out.join('\n');
}

const TEST_ENUM = { in: 'SECCOMP_ARG_IN', notIn: 'SECCOMP_ARG_NOT_IN', anyBitOf: 'SECCOMP_ARG_ANY_BIT' };

function seccompHeader(t) {
  const s = t.seccomp;
  const out = [HEADER, '#ifndef BULWARK_SECCOMP_TABLE_H', '#define BULWARK_SECCOMP_TABLE_H', ''];
  out.push('/* Included by seccomp_filter.c only: it provides struct seccomp_rule (seccomp_filter.h), the');
  out.push(' * __NR_ and AUDIT_ARCH_ constants, and the headers defining the argument constants. */', '');

  out.push('/* The native architecture; SECCOMP_ARCH_NAME stays undefined on any other. */');
  s.architectures.forEach((a, i) => {
    out.push(`#${i === 0 ? 'if' : 'elif'} defined(${a.compilerMacro})`);
    out.push(`#define SECCOMP_ARCH_NAME ${cString(a.name)}`);
    out.push(`#define SECCOMP_AUDIT_ARCH ${a.auditArch}`);
    if (a.killSyscallsFrom) out.push(`#define SECCOMP_KILL_NR_FROM ${a.killSyscallsFrom}U /* ${a.why ?? 'a second syscall table'} */`);
  });
  out.push('#endif', '');
  out.push(`#define SECCOMP_FOREIGN_ABI_SHOWN ${cString(s.foreignAbi.shown)}`, '');

  out.push('#ifdef SECCOMP_ARCH_NAME', '');
  const macroOf = new Map(s.architectures.map((a) => [a.name, a.compilerMacro]));
  const guardOf = (n) => {
    const parts = [];
    const only = s.onlyOnArchitectures[n];
    if (only) parts.push(only.length === 1 ? `defined(${macroOf.get(only[0])})` : `(${only.map((a) => `defined(${macroOf.get(a)})`).join(' || ')})`);
    if (s.onlyWhereHeadersDefine[n]) parts.push(`defined(__NR_${n})`);
    return parts.length > 0 ? parts.join(' && ') : null;
  };

  const valueArrays = new Map();
  s.rules.forEach((r, i) => {
    if (!r.when) return;
    const test = TESTS.find((k) => r.when[k] !== undefined);
    const values = r.when[test];
    const name = `seccomp_values_${i}`;
    valueArrays.set(i, { name, test, count: values.length });
    out.push(`/* ${r.syscalls.join(', ')}: arg ${r.when.arg} ${test} */`);
    for (const v of values) out.push(`_Static_assert((unsigned long long)(${v}) <= 0xffffffffULL, ${cString(`${v} fits the 32-bit argument test`)});`);
    out.push(`static const struct seccomp_value ${name}[] = {`);
    for (const v of values) out.push(`    {${cString(v)}, (uint32_t)(${v})},`);
    out.push('};', '');
  });

  out.push('/* In rule order; a syscall in several rules has a test in each. */');
  out.push('static const struct seccomp_rule seccomp_rules[] = {');
  s.rules.forEach((r, i) => {
    const va = valueArrays.get(i);
    const test = va ? TEST_ENUM[va.test] : 'SECCOMP_ALWAYS';
    const arg = r.when ? r.when.arg : 0;
    for (const n of r.syscalls) {
      const guard = guardOf(n);
      if (guard) out.push(`#if ${guard}`);
      out.push(`    {${cString(n)}, __NR_${n}, ${cString(r.errno)}, ${r.errno}, ${test}, ${arg}, ${va ? va.name : 'NULL'}, ${va ? va.count : 0}},`);
      if (guard) out.push('#endif');
    }
  });
  out.push('};', '', '#endif /* SECCOMP_ARCH_NAME */', '', '#endif', '');
  return out.join('\n');
}

/** The generated headers, by file name. */
export function generateHeaders(tables) {
  validateTables(tables);
  return { 'launcher_status.h': statusHeader(tables), 'seccomp_table.h': seccompHeader(tables) };
}

export function readTables(file) {
  return validateTables(JSON.parse(readFileSync(file, 'utf8')));
}

function main(argv) {
  const [tablesFile, ...outputs] = argv;
  if (!tablesFile || outputs.length === 0) {
    console.error('usage: gen-sandbox-tables.mjs TABLES.json OUTPUT.h...   (outputs: launcher_status.h, seccomp_table.h)');
    return 2;
  }
  let headers;
  try {
    headers = generateHeaders(JSON.parse(readFileSync(tablesFile, 'utf8')));
  } catch (e) {
    console.error(e instanceof TableError || e instanceof SyntaxError ? `${tablesFile}: ${e.message}` : e);
    return 1;
  }
  for (const out of outputs) {
    const content = headers[path.basename(out)];
    if (content === undefined) {
      console.error(`gen-sandbox-tables: no generator for ${out} (known: ${Object.keys(headers).join(', ')})`);
      return 2;
    }
    mkdirSync(path.dirname(out), { recursive: true });
    // Through a temporary file: an interrupted build must not leave half a header for make to trust.
    const tmp = `${out}.tmp-${process.pid}`;
    writeFileSync(tmp, content);
    renameSync(tmp, out);
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
