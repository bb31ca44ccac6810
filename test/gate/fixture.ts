import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCallGraph, evaluateGate, readDirectorySources, toPycg } from '../../src/gate/index.js';
import type { GateConfigInput } from '../../src/gate/config.js';
import type { CallGraph, GateResult } from '../../src/gate/types.js';

/** A real git repository in a temp dir: `main` holds the fixture, each scenario is a branch off it. */
export class FixtureRepo {
  readonly dir: string;
  constructor(files: Record<string, string>) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-'));
    this.git('init', '-q', '-b', 'main');
    this.write(files);
    this.commitAll('fixture');
  }
  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
        GIT_CONFIG_GLOBAL: '/dev/null',
      },
    });
  }
  write(files: Record<string, string | null>): void {
    for (const [p, content] of Object.entries(files)) {
      const full = path.join(this.dir, p);
      if (content === null) rmSync(full);
      else {
        mkdirSync(path.dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
  }
  commitAll(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }
  /** A branch off main (or `from`) with these edits (null deletes) and renames (`git mv`). */
  branch(name: string, edits: Record<string, string | null>, renames: [string, string][] = [], from = 'main'): string {
    this.git('checkout', '-q', '-b', name, from);
    for (const [from, to] of renames) {
      mkdirSync(path.dirname(path.join(this.dir, to)), { recursive: true });
      this.git('mv', from, to);
    }
    this.write(edits);
    const sha = this.commitAll(name);
    this.git('checkout', '-q', 'main');
    return sha;
  }
  gate(head: string, config: GateConfigInput = {}): Promise<GateResult> {
    return evaluateGate({ repoDir: this.dir, base: 'main', head, config, cacheDir: null });
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Replaces exactly one occurrence (fails the test when the fixture text drifted). */
export function edit(text: string, from: string, to: string): string {
  const i = text.indexOf(from);
  assert.ok(i >= 0 && text.indexOf(from, i + 1) < 0, `fixture edit: "${from}" must occur exactly once`);
  return text.slice(0, i) + to + text.slice(i + from.length);
}

export function pathTexts(r: GateResult): string[] {
  return r.paths.map((p) => `${p.revision}: ${p.nodes.join(' > ')}`);
}

/** Asserts some path runs exactly through `nodes` (caller first). */
export function assertPath(r: GateResult, nodes: string[], revision?: 'base' | 'head'): void {
  const found = r.paths.some((p) => p.nodes.join(' > ') === nodes.join(' > ') && (revision === undefined || p.revision === revision));
  assert.ok(
    found,
    `expected path ${nodes.join(' > ')}${revision ? ` (${revision})` : ''}; got:\n${pathTexts(r).join('\n')}\nreasons:\n${r.reasons.map((x) => x.message).join('\n')}`,
  );
}

/** Asserts some reason's message contains `text` (`X (changed: reads Y)`, `A → B (changed)`). */
export function assertReason(r: Pick<GateResult, 'reasons'>, text: string): void {
  assert.ok(
    r.reasons.some((x) => x.message.includes(text)),
    `expected a reason with ${text}; got:\n${r.reasons.map((x) => x.message).join('\n')}`,
  );
}

export function assertNotFlagged(r: GateResult): void {
  assert.equal(r.flagged, false, `expected no review; reasons:\n${r.reasons.map((x) => x.message).join('\n')}`);
}

/** A graph's edges as sorted lines (`a > b` calls, `a reads b`), from a CallGraph or a TS graph part. */
export function edgeList(g: { calls: Iterable<[string, Iterable<string>]>; reads: Iterable<[string, Iterable<string>]> }): string[] {
  const out: string[] = [];
  for (const [from, tos] of g.calls) for (const to of tos) out.push(`${from} > ${to}`);
  for (const [from, tos] of g.reads) for (const to of tos) out.push(`${from} reads ${to}`);
  return out.sort();
}

/** The call graph (caller → callees, name-only edges included) of `files` written to a temporary directory. */
export async function graphOf(files: Record<string, string>): Promise<Record<string, string[]>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-graph-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    }
    return toPycg(await buildCallGraph(readDirectorySources(dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The call graph (as built, with its name-only edges) of `files` written to a temporary directory. */
export async function callGraphOf(files: Record<string, string>): Promise<CallGraph> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-graph-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    }
    return await buildCallGraph(readDirectorySources(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether graph `g` (as `graphOf` gives it) has the call edge `from` → `to`, as an assertion naming what `from` calls. */
export function assertEdge(g: Record<string, string[]>, from: string, to: string): void {
  assert.ok(g[from]?.includes(to) ?? false, `${from} → ${to}: ${JSON.stringify(g[from])}`);
}

export function assertNoEdge(g: Record<string, string[]>, from: string, to: string): void {
  assert.ok(!(g[from]?.includes(to) ?? false), `no ${from} → ${to}: ${JSON.stringify(g[from])}`);
}

/** Everything `from` reaches, its anonymous functions' (`<arrowN>`, `<functionN>`, `<methodN>`) callees included. */
export function reachedThroughArrows(g: Record<string, string[]>, from: string): string[] {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const n = queue.pop()!;
    for (const to of g[n] ?? []) {
      if (seen.has(to)) continue;
      seen.add(to);
      if (/<(?:arrow|function|method)\d+>$/.test(to)) queue.push(to);
    }
  }
  return [...seen].sort();
}

export function assertReaches(g: Record<string, string[]>, from: string, to: string): void {
  const r = reachedThroughArrows(g, from);
  assert.ok(r.includes(to), `${from} ⇝ ${to}: ${r.join(', ')}`);
}

export function assertNotReaches(g: Record<string, string[]>, from: string, to: string): void {
  const r = reachedThroughArrows(g, from);
  assert.ok(!r.includes(to), `${from} ⇝̸ ${to}: ${r.join(', ')}`);
}

/**
 * An untyped call through an import alias (`(f as any).charge(x)`, resolved by name among the
 * files the caller's imports reach) whose tsconfig.json `paths` entry names lib/ here; a change
 * that points it at alt/ changes what the call reaches without changing which files exist.
 */
export const ALIASED_FEES: Readonly<Record<string, string>> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@fees/*': ['lib/*'] } } }),
  'lib/fee.ts': ['export function charge(x: number): number {', '  return x + 1;', '}', ''].join('\n'),
  'alt/fee.ts': ['export function charge(x: number): number {', '  return x + 2;', '}', ''].join('\n'),
  'web/pay.ts': ["import * as f from '@fees/fee';", 'export function processPayment(x: number): number {', '  return (f as any).charge(x);', '}', ''].join(
    '\n',
  ),
};

/** ALIASED_FEES's change: the alias names alt/, whose charge changes too. */
export const REALIASED_FEES: Readonly<Record<string, string>> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@fees/*': ['alt/*'] } } }),
  'alt/fee.ts': edit(ALIASED_FEES['alt/fee.ts']!, 'x + 2', 'x + 3'),
};
