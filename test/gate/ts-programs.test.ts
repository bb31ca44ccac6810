import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { collectGarbage } from '../../src/gate/collect-garbage.js';
import { analyzeTypeScript, type TsAnalysisStats, type TsFileFacts, type TsGraphPart } from '../../src/gate/ts/analyze.js';
import { edgeList } from './fixture.js';
import { factsOfSourceFile } from '../../src/gate/ts/file-facts.js';
import { blankRanges, outlineFits, outlineRanges, validOutline, validReturning } from '../../src/gate/ts/outline.js';
import { planPrograms } from '../../src/gate/ts/program-groups.js';

const lines = (...l: string[]): string => l.join('\n') + '\n';

// Resolutions that need declarations (and one inferred return type) from files other than the one analysed.
const files: Record<string, string> = {
  'src/types.ts': lines('export class Svc {', '  run(x: number): number {', '    return x + 1;', '  }', '}'),
  'src/other.ts': lines('export class Other {', '  run(x: number): number {', '    return x - 1;', '  }', '}'),
  // no return annotation: the type comes from the body, which an outline keeps
  'src/factory.ts': lines(
    "import { Svc } from './types.js';",
    'export function make() {',
    '  return new Svc();',
    '}',
    'export const build = (): Svc => {',
    '  return new Svc();',
    '};',
  ),
  'src/caller.ts': lines(
    "import { make, build } from './factory.js';",
    'export function calculateInterest(x: number): number {',
    '  return make().run(x) + build().run(x);',
    '}',
  ),
  'src/api.ts': lines(
    'export interface Api {',
    '  charge(x: number): number;',
    '}',
    'export abstract class Base {',
    '  abstract fee(x: number): number;',
    '  total(x: number): number {',
    '    return this.fee(x);',
    '  }',
    '}',
  ),
  'src/impl.ts': lines(
    "import { Api, Base } from './api.js';",
    'export class Card extends Base implements Api {',
    '  charge(x: number): number {',
    '    return this.total(x);',
    '  }',
    '  fee(x: number): number {',
    '    return x / 100;',
    '  }',
    '  get rate(): number {',
    '    return 2;',
    '  }',
    '}',
  ),
  'src/pay.ts': lines(
    "import type { Api } from './api.js';",
    "import { Card } from './impl.js';",
    'export function processPayment(api: Api, x: number): number {',
    '  return api.charge(x) + new Card().rate + [x].map(step).length;',
    '}',
    'function step(v: number): number {',
    '  return v;',
    '}',
  ),
  'src/legacy.js': lines('export function settle(obj) {', '  return obj.run(1);', '}'),
  // class expressions: named by the variable they initialise, or anonymous inside another expression
  'src/classes.ts': lines(
    'export const Named = class {',
    '  go(): number {',
    '    return 1;',
    '  }',
    '};',
    'export const Cast = class {',
    '  go(): number {',
    '    return 2;',
    '  }',
    '} as unknown as { go(): number };',
    'export function approveLoan(): number {',
    '  return new Named().go();',
    '}',
  ),
};
const input = Object.entries(files).map(([p, text]) => ({ path: p, text }));
// JavaScript is in full in every program and would keep a tiny budget from splitting anything
const tsOnly = input.filter((f) => !f.path.endsWith('.js'));

describe('TypeScript analysis split over several programs', () => {
  it('gives the same graph with one program per file as with one program for all', () => {
    const oneStats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const one = analyzeTypeScript(tsOnly, undefined, oneStats);
    const splitStats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const split = analyzeTypeScript(tsOnly, undefined, splitStats, { programBudgetChars: 1 });
    assert.equal(oneStats.tsPrograms, 1);
    assert.equal(splitStats.tsPrograms, tsOnly.length);
    assert.equal(splitStats.tsProgramFiles, tsOnly.length, 'each file is given in full exactly once');
    assert.deepEqual(edgeList(split), edgeList(one));
    assert.ok(edgeList(one).length > 8, 'the fixture resolves something');
  });

  it('reads what a factory declared to return data holding a function returns, from a program holding its file as context', () => {
    // `Promise<Fee>` is data to the outline, so the factory's body was blanked where its file is
    // only context: a split analysis lacked the edge to `settle` that one program finds
    const factory = [
      {
        path: 'src/fees.ts',
        text: lines(
          'export type Fee = (x: number) => number;',
          'export function settle(x: number): number {',
          '  return x;',
          '}',
          'export function other(x: number): number {',
          '  return x * 2;',
          '}',
        ),
      },
      {
        path: 'src/make.ts',
        text: lines(
          "import { settle, other, type Fee } from './fees.js';",
          'export async function make(): Promise<Fee> {',
          '  return settle;',
          '}',
          'export function all(): Fee[] {',
          '  return [other];',
          '}',
          'export function rate(): number {',
          '  return 2;',
          '}',
        ),
      },
      {
        path: 'src/run.ts',
        text: lines(
          "import { make, rate } from './make.js';",
          'export async function processPayment(): Promise<number> {',
          '  const s = await make();',
          '  return s(rate());',
          '}',
        ),
      },
    ];
    const facts = factsOfSourceFile(ts.createSourceFile('/r/src/make.ts', factory[1]!.text, ts.ScriptTarget.ES2022, false), 'src/make.ts');
    assert.equal(facts.outline.length, 3, 'all three bodies are in the outline');
    assert.equal(facts.returning.length, 1, 'one of them may return a function (`all` returns an array literal)');
    assert.ok(facts.outlineImports.includes('./fees.js'), 'what the shown body names is imported where the file is context');
    const one = edgeList(analyzeTypeScript(factory, undefined, undefined, { warmUp: false }));
    const splitStats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const split = edgeList(analyzeTypeScript(factory, undefined, splitStats, { programBudgetChars: 1, warmUp: false }));
    assert.equal(splitStats.tsPrograms, factory.length);
    assert.ok(one.includes('src.run.processPayment > src.fees.settle'), one.join('\n'));
    assert.deepEqual(split, one);
  });

  it('resolves through declarations in files the analysed file does not import, without falling back to names', () => {
    const g = [
      ...edgeList(analyzeTypeScript(tsOnly, undefined, undefined, { programBudgetChars: 1 })),
      ...edgeList(analyzeTypeScript(input)).filter((e) => e.startsWith('src.legacy')),
    ];
    // make()'s type is inferred from its body (kept in the outline); build's comes from its annotation
    assert.ok(g.includes('src.caller.calculateInterest > src.types.Svc.run'), g.join('\n'));
    assert.ok(!g.includes('src.caller.calculateInterest > src.other.Other.run'), 'a resolved call does not reach a same-named method');
    assert.ok(g.includes('src.pay.processPayment > src.api.Api.charge'), g.join('\n'));
    assert.ok(g.includes('src.impl.Card.charge > src.api.Base.total'), g.join('\n'));
    assert.ok(g.includes('src.pay.processPayment > src.impl.Card.rate'), g.join('\n'));
    assert.ok(g.includes('src.pay.processPayment > src.pay.step'), 'a callback');
    assert.ok(g.includes('src.classes.approveLoan > src.classes.Named.go'), 'a class expression is named by its variable');
    // untyped JavaScript cannot be resolved: every `run`
    assert.ok(g.includes('src.legacy.settle > src.other.Other.run') && g.includes('src.legacy.settle > src.types.Svc.run'), g.join('\n'));
  });
});

describe('TypeScript resolution details', () => {
  const graphOf = (files: Record<string, string>, configs: Record<string, string> = {}): string[] =>
    edgeList(
      analyzeTypeScript(
        Object.entries(files).map(([p, text]) => ({ path: p, text })),
        undefined,
        undefined,
        { configs: Object.entries(configs).map(([p, text]) => ({ path: p, text })) },
      ),
    );

  it('reaches getters through private names, string element access and object literals', () => {
    const g = graphOf({
      'r.ts': 'export function regulated(): number {\n  return 1;\n}\n',
      'a.ts': lines(
        "import { regulated } from './r';",
        'export class A {',
        '  get total(): number { return regulated(); }',
        '  get #p(): number { return regulated(); }',
        '  usePriv(): number { return this.#p; }',
        '}',
        "export function viaElem(x: A): number { return x['total']; }",
        'export const lit = { get v(): number { return regulated(); } };',
        'export function viaLit(): number { return lit.v; }',
      ),
    });
    for (const e of ['a.A.usePriv > a.A.#p', 'a.viaElem > a.A.total', 'a.viaLit > a.lit.v', 'a.lit.v > r.regulated'])
      assert.ok(g.includes(e), `${e}\n${g.join('\n')}`);
  });

  it('calls through handler tables, shorthand properties and satisfies/as const literals', () => {
    const g = graphOf({
      'r.ts': 'export function regulatedPay(x: number): number {\n  return x;\n}\nexport function settle(x: number): number {\n  return x;\n}\n',
      'b.ts': lines(
        "import { regulatedPay, settle } from './r';",
        'export const svc = { pay: regulatedPay, settle };',
        'export const api = { go: (x: number): number => regulatedPay(x) } satisfies Record<string, (x: number) => number>;',
        'export const frozen = { run(x: number): number { return settle(x); } } as const;',
      ),
      'a.ts': lines(
        "import { svc, api, frozen } from './b';",
        'export function run(x: number): number {',
        "  return svc.pay(x) + svc.settle(x) + api.go(x) + frozen.run(x) + svc['pay'](x);",
        '}',
      ),
    });
    for (const e of [
      'a.run > r.regulatedPay',
      'a.run > r.settle',
      'a.run > b.api.go',
      'a.run > b.frozen.run',
      'b.api.go > r.regulatedPay',
      'b.frozen.run > r.settle',
    ])
      assert.ok(g.includes(e), `${e}\n${g.join('\n')}`);
  });

  it('reads a file that starts with a byte-order mark and a shebang', () => {
    const part = analyzeTypeScript([
      {
        path: 'cli.ts',
        text: '\ufeff#!/usr/bin/env node\nexport function main(): number {\n  return helper();\n}\nfunction helper(): number {\n  return 1;\n}\n',
      },
    ]);
    assert.deepEqual(part.unparsable, []);
    assert.ok(edgeList(part).includes('cli.main > cli.helper'));
  });

  it('expands ${configDir} in paths to the folder of the config a file is compiled with', () => {
    const g = graphOf(
      {
        'app/src/rate.ts': 'export function rate(): number {\n  return 1;\n}\n',
        'app/src/main.ts': "import { rate } from '@/rate';\nexport function approveLoan(): number {\n  return rate();\n}\n",
        'lib/other/src/rate.ts': 'export function rate(): number {\n  return 2;\n}\n',
      },
      {
        'tsconfig.base.json': JSON.stringify({ compilerOptions: { paths: { '@/*': ['${configDir}/src/*'] } } }),
        'app/tsconfig.json': '{ "extends": "../tsconfig.base.json" }',
      },
    );
    assert.deepEqual(
      g.filter((e) => e.startsWith('app.src.main.approveLoan >')),
      ['app.src.main.approveLoan > app.src.rate.rate'],
    );
  });
});

describe('cached edges', () => {
  it('are analysed again when a type reached through unannotated declarations in files not imported changes', () => {
    const v1: Record<string, string> = {
      'r.ts': 'export function regulated(): number {\n  return 1;\n}\n',
      'd.ts': 'export class Impl {\n  pay() {\n    return 0;\n  }\n}\n',
      'e.ts': "import { regulated } from './r';\nexport class Other {\n  pay() {\n    return regulated();\n  }\n}\n",
      'b.ts': "import { makeSvc } from './c';\nexport const svc = makeSvc();\n",
      'a.ts': "import { svc } from './b';\nexport function run() {\n  return svc.pay();\n}\n",
      'c.ts': "import { Impl } from './d';\nexport function makeSvc() {\n  return new Impl();\n}\n",
    };
    const v2 = { ...v1, 'c.ts': "import { Other } from './e';\nexport function makeSvc() {\n  return new Other();\n}\n" };
    const asInput = (files: Record<string, string>) => Object.entries(files).map(([p, text]) => ({ path: p, text }));
    const cache = { facts: new Map(), edges: new Map() };
    analyzeTypeScript(asInput(v1), cache);
    const warm = edgeList(analyzeTypeScript(asInput(v2), cache));
    const cold = edgeList(analyzeTypeScript(asInput(v2)));
    assert.ok(cold.includes('a.run > e.Other.pay'), cold.join('\n'));
    assert.deepEqual(warm, cold);
  });
});

describe('cached syntax facts', () => {
  it('a malformed definition in an entry is a miss: the file is parsed again and the graph is what a cold run computes', () => {
    const files = [
      { path: 'r.ts', text: 'export function regulated(): number {\n  return 1;\n}\n' },
      { path: 'a.ts', text: "import { regulated } from './r';\nexport function run() {\n  return regulated();\n}\n" },
    ];
    const cold = analyzeTypeScript(files);
    const facts = new Map<string, TsFileFacts>();
    analyzeTypeScript(files, { facts, edges: new Map() });
    for (const [why, bad] of [
      ['the form before tuples', { id: 'a.run', kind: 'function', file: 'a.ts', startLine: 2, endLine: 4 }],
      ['a kind no definition has', ['a.run', 'procedure', 2, 4]],
      ['a line that is not a number', ['a.run', 'function', '2', 4]],
      ['a line before the first', ['a.run', 'function', 0, 4]],
      ['lines out of order', ['a.run', 'function', 4, 2]],
    ] as const) {
      const key = [...facts.keys()].find((k) => k.endsWith(':a.ts'))!;
      const good = facts.get(key)!;
      facts.set(key, { ...good, defs: [bad as unknown as TsFileFacts['defs'][number]] });
      const warm = analyzeTypeScript(files, { facts, edges: new Map() });
      assert.deepEqual(edgeList(warm), edgeList(cold), why);
      assert.deepEqual(warm.defs, cold.defs, why);
      assert.deepEqual(facts.get(key), good, `${why}: the entry is written again from the parse`);
    }
  });
});

describe('cached edges stay what a cold run computes', () => {
  const asInput = (files: Record<string, string>) => Object.entries(files).map(([p, text]) => ({ path: p, text }));
  const warmEqualsCold = (v1: Record<string, string>, v2: Record<string, string>, expect: string): void => {
    const cache = { facts: new Map(), edges: new Map() };
    analyzeTypeScript(asInput(v1), cache);
    const warm = edgeList(analyzeTypeScript(asInput(v2), cache));
    const cold = edgeList(analyzeTypeScript(asInput(v2)));
    assert.ok(cold.includes(expect), cold.join('\n'));
    assert.deepEqual(warm, cold);
  };
  const settle = (n: number): string => `export function settle(): number {\n  return ${n};\n}\n`;

  it('when a handler table holds a function re-exported through a file the caller does not import', () => {
    const v1 = {
      'd.ts': settle(1),
      'e.ts': settle(2),
      'c.ts': "export { settle } from './d';\n",
      'b.ts': "import { settle } from './c';\nexport const obj = { pay: settle, settle };\n",
      'a.ts': "import { obj } from './b';\nexport function processPayment(): number {\n  return obj.pay() + obj.settle() + obj['pay']();\n}\n",
    };
    warmEqualsCold(v1, { ...v1, 'c.ts': "export { settle } from './e';\n" }, 'a.processPayment > e.settle');
  });

  // `client.ts` declares a property whose type index.ts re-exports from chat.ts, then from chat2.ts;
  // runner.ts imports only client.ts
  const switchedReexportBehindType = (client: string): void => {
    const cls = (n: number): string => `export class Chat {\n  create(): number {\n    return ${n};\n  }\n}\n`;
    const v1 = {
      'chat.ts': cls(1),
      'chat2.ts': cls(3),
      'index.ts': "export * from './chat';\n",
      'client.ts': client,
      'runner.ts': "import { Client } from './client';\nexport function run(c: Client): void {\n  c.chat.create();\n}\n",
    };
    warmEqualsCold(v1, { ...v1, 'index.ts': "export * from './chat2';\n" }, 'runner.run > chat2.Chat.create');
  };

  it("when the re-export behind a property's declared type switches, in a file the caller does not import", () =>
    switchedReexportBehindType("import * as API from './index';\nexport class Client {\n  chat: API.Chat = new API.Chat();\n}\n"));

  it('when the re-export behind a named import in a type switches', () =>
    switchedReexportBehindType("import { Chat } from './index';\nexport class Client {\n  chat!: Chat;\n}\n"));

  // the classes a differential fuzzer (random repositories, random edits, warm vs cold) found
  it('when a name used only as an object key becomes a function another file calls untyped', () => {
    const v1 = { 'a.ts': 'function f(): void {}\nexport const t = { pay: f };\n', 'b.ts': 'export function processPayment(x: any): void {\n  x.pay();\n}\n' };
    warmEqualsCold(v1, { ...v1, 'c.ts': 'export function pay(): void {}\n' }, 'b.processPayment > c.pay');
  });

  it('when a re-export in the middle of a receiver type chain switches', () => {
    const cls = 'export class C {\n  run(): void {}\n}\n';
    const v1 = {
      'a.ts': "import { svc } from './b';\nexport function processPayment(): void {\n  svc.run();\n}\n",
      'b.ts': "import { C } from './c';\nexport const svc = new C();\n",
      'c.ts': "export { C } from './d';\n",
      'd.ts': cls,
      'e.ts': cls,
    };
    warmEqualsCold(v1, { ...v1, 'c.ts': "export { C } from './e';\n" }, 'a.processPayment > e.C.run');
  });

  it('when a getter named like a property read is added to the receiver type', () => {
    const v1 = {
      'a.ts': "import { svc } from './b';\nexport function processPayment(): unknown {\n  return svc.total;\n}\n",
      'b.ts': "import { make } from './c';\nexport const svc = make();\n",
      'c.ts': "import { Svc } from './d';\nexport function make() {\n  return new Svc();\n}\n",
      'd.ts': 'export class Svc {\n  pay(): void {}\n}\n',
    };
    warmEqualsCold(
      v1,
      { ...v1, 'd.ts': 'export class Svc {\n  pay(): void {}\n  get total(): number {\n    return 1;\n  }\n}\n' },
      'a.processPayment > d.Svc.total',
    );
  });

  it('when a script file adds a global function a module calls', () => {
    const v1 = {
      'a.ts': 'export function processPayment(): void {\n  helper();\n}\n',
      's.ts': 'function helper(): void {}\n',
      't.ts': 'function other(): void {}\n',
    };
    warmEqualsCold(v1, { ...v1, 't.ts': 'function other(): void {}\nfunction helper(): void {}\n' }, 'a.processPayment > t.helper');
  });

  it('when a function named like an untyped call is added in another file', () => {
    const v1 = { 'a.ts': "export function processPayment(x: any): number {\n  return x.pay() + x['charge']();\n}\n" };
    warmEqualsCold(
      v1,
      { ...v1, 'b.ts': 'export function pay(): number {\n  return 1;\n}\nexport function charge(): number {\n  return 2;\n}\n' },
      'a.processPayment > b.charge',
    );
  });
});

describe('JavaScript in split analyses', () => {
  const js = (n: number): { path: string; text: string }[] =>
    Array.from({ length: n }, (_, i) => ({ path: `lib/m${i}.js`, text: `export function f${i}(x) {\n  return x + ${i};\n}\n` }));
  const ts1 = {
    path: 'src/a.ts',
    text: lines("import { f0 } from '../lib/m0.js';", 'export function processPayment(x: number): number {', '  return f0(x);', '}'),
  };
  const ts2 = {
    path: 'src/b.ts',
    text: lines("import { processPayment } from './a.js';", 'export function approveLoan(x: number): number {', '  return processPayment(x);', '}'),
  };

  it('is in full in every program, so a JavaScript-heavy repository is one program, not many', () => {
    const stats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const files = [...js(40), ts1, ts2];
    const part = analyzeTypeScript(files, undefined, stats, { programBudgetChars: 200 });
    assert.equal(stats.tsPrograms, 1);
    assert.ok(edgeList(part).includes('src.a.processPayment > lib.m0.f0'));
  });

  it('is walked with the first group when the TypeScript files are split', () => {
    const stats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const files = [...js(1), ts1, ts2];
    const budget = ts1.text.length + 10;
    const part = analyzeTypeScript(files, undefined, stats, { programBudgetChars: budget });
    assert.equal(stats.tsPrograms, 2);
    assert.equal(stats.tsProgramFiles, 3, 'each file in full once as a file to analyse');
    assert.deepEqual(edgeList(part), edgeList(analyzeTypeScript(files)));
  });
});

describe('TypeScript analysis of a real code base', () => {
  it('gives the same graph split into programs as one program over the OpenAI SDK sources', { timeout: 120_000 }, () => {
    const root = path.join(packageRoot, 'node_modules', 'openai', 'src');
    const sources: { path: string; text: string }[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|tsx|mts|cts)$/.test(e.name) && !/\.d\.[mc]?ts$/.test(e.name))
          sources.push({ path: path.relative(root, p).split(path.sep).join('/'), text: readFileSync(p, 'utf8') });
      }
    };
    walk(root);
    sources.sort((a, b) => (a.path < b.path ? -1 : 1));
    assert.ok(sources.length > 200, `the SDK ships its TypeScript sources (${sources.length} files)`);
    const oneStats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const one = analyzeTypeScript(sources, undefined, oneStats, { programBudgetChars: Number.MAX_SAFE_INTEGER });
    const splitStats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const split = analyzeTypeScript(sources, undefined, splitStats, { programBudgetChars: 300_000 });
    assert.equal(oneStats.tsPrograms, 1);
    assert.ok((splitStats.tsPrograms ?? 0) >= 5, `split into ${splitStats.tsPrograms} programs`);
    const a = edgeList(one);
    const b = edgeList(split);
    assert.ok(a.length > 2000, `${a.length} edges`);
    assert.deepEqual(
      b.filter((e) => !a.includes(e)),
      [],
      'no edge only the split analysis finds',
    );
    assert.deepEqual(
      a.filter((e) => !b.includes(e)),
      [],
      'no edge only one program finds',
    );
    assert.deepEqual(split.defs.map((d) => d.id).sort(), one.defs.map((d) => d.id).sort());
  });
});

describe('outlines', () => {
  const parse = (name: string, text: string): ts.SourceFile => ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, false);
  const text = lines(
    'export function annotated(x: number): number {',
    '  const s = "}";',
    '  return x;',
    '}',
    'export function inferred(x: number) {',
    '  function inner(): number {',
    '    return 1;',
    '  }',
    '  return x + inner();',
    '}',
    'export class C {',
    '  constructor(public n: number) {',
    '    this.n = n;',
    '  }',
    '  set v(x: number) {',
    '    this.n = x;',
    '  }',
    '  m(): string {',
    '    return `a${1}`;',
    '  }',
    '}',
  );

  it('blanks bodies whose type the declaration states, and keeps the rest, lines included', () => {
    const ranges = outlineRanges(parse('/r/a.ts', text));
    const out = blankRanges(text, ranges);
    assert.equal(out.length, text.length);
    assert.deepEqual(
      out.split('\n').map((l) => l.trim() === ''),
      text.split('\n').map((l, i) => l.trim() === '' || [1, 2, 6, 15, 18].includes(i)),
    );
    assert.ok(out.includes('return x + inner();'), 'an unannotated body is kept');
    assert.ok(!out.includes('return 1;'), 'an annotated function nested in a kept body is blanked');
    assert.ok(out.includes('this.n = n;'), 'constructors are kept');
    assert.ok(!out.includes('return x;') && !out.includes('`a${1}`'), out);
    assert.equal(parse('/r/a.ts', out).statements.length, 3);
    assert.equal((parse('/r/a.ts', out) as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length, 0);
  });

  it('takes whole a module whose only mark is a use of import.meta, which its outline would lose', () => {
    const meta = lines('function where(): string {', '  return import.meta.url;', '}', 'function settle(x: number): number {', '  return x + 1;', '}');
    const sf = parse('/r/meta.ts', meta);
    assert.ok(ts.isExternalModule(sf), 'import.meta makes the file a module');
    assert.deepEqual(outlineRanges(sf), []);
    assert.ok(ts.isExternalModule(parse('/r/meta.ts', blankRanges(meta, outlineRanges(sf)))), 'its outline is still a module');
    // with an import or export it stays a module whatever is blanked, and is outlined as any other
    for (const marked of [`export ${meta}`, `import './x.js';\n${meta}`, `${meta}\nexport {};`, `import fs = require('fs');\n${meta}`]) {
      const ranges = outlineRanges(parse('/r/meta.ts', marked));
      assert.equal(ranges.length, 2, marked);
      assert.ok(ts.isExternalModule(parse('/r/meta.ts', blankRanges(marked, ranges))), marked);
    }
    // an alias of a namespace does not make a module
    assert.deepEqual(outlineRanges(parse('/r/meta.ts', `namespace N { export const y = 1; }\nimport z = N.y;\n${meta}`)), []);
    // a script is outlined as before
    assert.equal(outlineRanges(parse('/r/s.ts', lines('function settle(x: number): number {', '  return x + 1;', '}'))).length, 1);
  });

  it('never outlines JavaScript, whose types come from bodies', () => {
    assert.deepEqual(outlineRanges(parse('/r/a.js', 'export function f() {\n  return 1;\n}\n')), []);
  });

  it('rejects ranges from a damaged cache', () => {
    const ranges = outlineRanges(parse('/r/a.ts', text));
    assert.ok(validOutline(ranges, text.length) && outlineFits(ranges, text));
    assert.ok(!outlineFits([[ranges[0]![0] - 1, ranges[0]![1]]], text), 'not just inside a brace');
    assert.ok(!outlineFits(ranges, text.slice(1)), 'another text');
    assert.ok(!validOutline([ranges[1], ranges[0]], text.length), 'out of order');
    assert.ok(!validOutline([[0, text.length + 5]], text.length), 'past the end');
    assert.ok(!validOutline([['1', 2]], text.length));
    assert.ok(!validOutline('x', text.length));
    // the shown bodies must be some of the outline's own ranges
    assert.ok(validReturning([], ranges, text.length) && validReturning([ranges[1]!], ranges, text.length));
    assert.ok(!validReturning([[ranges[1]![0], ranges[1]![1] - 1]], ranges, text.length), 'not a range of the outline');
    assert.ok(!validReturning([ranges[1], ranges[0]], ranges, text.length), 'out of order');
  });
});

describe('what an outline needs from other files', () => {
  const needs = (name: string, text: string): string[] =>
    factsOfSourceFile(ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, false), name).outlineImports.sort();

  it('is the imports its signatures and kept bodies mention, re-exports, side effects and import types', () => {
    const text = lines(
      "import { A } from './a.js';",
      "import { B } from './b.js';",
      "import * as C from './c.js';",
      "import './d.js';",
      "export { E } from './e.js';",
      "import type { F } from './f.js';",
      "import H from './h.js';",
      'export function f(x: A): number {',
      '  return B(x);',
      '}',
      'export function g() {',
      '  return C.make();',
      '}',
      "export type T = import('./g.js').G;",
      'export class K extends H {}',
    );
    // B is used only in a blanked body, F nowhere
    assert.deepEqual(needs('/r/m.ts', text), ['./a.js', './c.js', './d.js', './e.js', './g.js', './h.js']);
  });

  it('is every import of JavaScript, and the types its JSDoc imports', () => {
    const text = lines(
      "import { a } from './a.js';",
      "/** @import { U } from './u.js' */",
      "/** @param {import('./t.js').T} x */",
      'export function f(x) {',
      '  return 1;',
      '}',
    );
    assert.deepEqual(needs('/r/m.js', text), ['./a.js', './t.js', './u.js']);
  });

  // each failed before: a program left out a file the checker resolves through, or a body an
  // outline blanked was read; the split analysis (one program per file) must equal one program
  const cases: Record<string, Record<string, string>> = {
    'a callback passed to a function whose annotated body invokes it': {
      'a.ts': lines('export function invoke(cb: () => void): void {', '  cb();', '}'),
      'b.ts': lines("import { invoke } from './a';", 'export function handler(): void {}', 'export function main(): void {', '  invoke(handler);', '}'),
    },
    'a constant passed to a function whose annotated body passes it on': {
      'a.ts': lines('export function get(k: string): string | null {', '  return String(k);', '}'),
      'b.ts': lines("import { get } from './a';", "export const KEY = 'k';", 'export function main(): void {', '  get(KEY);', '}'),
    },
    'a function made by an annotated factory': {
      'f.ts': lines('export function make(): () => void {', '  return () => {};', '}'),
      'b.ts': lines("import { make } from './f';", 'export function main(): void {', '  const d = make();', '  d();', '}'),
      'c.ts': lines("import { make } from './f';", 'export function other(): void {', '  make()();', '}'),
    },
    "a receiver typed by import('…') in a file held in full": {
      'b.ts': lines("export function run(x: import('./m').Svc): number {", '  x.go();', '  return x.total;', '}'),
      'm.ts': lines('export class Svc {', '  go(): number {', '    return 1;', '  }', '  get total(): number {', '    return 1;', '  }', '}'),
      'o.ts': lines('export class Other {', '  go(): number {', '    return 2;', '  }', '}'),
    },
    'a JSDoc @import in JavaScript, held in full and as context': {
      'b.js': lines(
        "/** @import { Svc } from './z' */",
        '/** @returns {Svc} */',
        'export function mk() {',
        '  return undefined;',
        '}',
        '/** @param {Svc} x */',
        'export function run(x) {',
        '  x.go();',
        '}',
      ),
      'y.ts': lines("import { mk } from './b';", 'export function useIt(): void {', '  mk().go();', '}'),
      'z.ts': lines(
        'export class Svc {',
        '  go(): number {',
        '    return 1;',
        '  }',
        '}',
        'export class Other {',
        '  go(): number {',
        '    return 2;',
        '  }',
        '}',
      ),
    },
    're-exports through a file with a syntax error': {
      'a.ts': lines("export * from './c';", 'export const broken = (;'),
      'b.ts': lines("import { fn } from './a';", 'export function main(): void {', '  fn();', '}'),
      'c.ts': lines('export function fn(): number {', '  return 1;', '}'),
      'd.ts': lines('export class K {', '  fn(): number {', '    return 2;', '  }', '}'),
    },
    'a JavaScript script whose comment mentions module.exports': {
      'a.ts': lines('export function first(): number {', '  return 0;', '}'),
      'g.js': lines('// works in node too: module.exports is not used here', 'function helperGlobal() {', '  return 1;', '}'),
      'z.ts': lines('export function useIt(): number {', '  return helperGlobal();', '}'),
    },
  };
  // JavaScript is in full in every program unless it takes under half the budget: with the
  // TypeScript padded past a small budget, each TypeScript file gets a program of its own
  const padding = `// ${'padding '.repeat(60)}\n`;
  for (const [name, repo] of Object.entries(cases)) {
    it(`resolves ${name} the same in one program per file as in one program`, () => {
      const input = Object.entries(repo).map(([p, text]) => ({ path: p, text: p.endsWith('.ts') ? text + padding : text }));
      // the calls resolved by name only too: a call the checker resolved in one program must not become one
      const edges = (part: TsGraphPart): string[] => [
        ...edgeList(part),
        ...[...part.nameOnly].flatMap(([from, tos]) => [...tos].map((to) => `${from} by name ${to}`)),
      ];
      const one = edges(analyzeTypeScript(input, undefined, undefined, { programBudgetChars: Number.MAX_SAFE_INTEGER }));
      const stats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
      const split = edges(analyzeTypeScript(input, undefined, stats, { programBudgetChars: 400 }));
      assert.ok((stats.tsPrograms ?? 0) > 1, `split into ${stats.tsPrograms} programs`);
      assert.deepEqual(split, one);
      assert.ok(!one.some((e) => e.includes(' by name ') || e.includes('Other') || e.includes('.K.')), one.join('\n'));
    });
  }

  it('keeps a warm program to the edited file and what it reaches, with the edges of a cold run', () => {
    const repo: Record<string, string> = { ...files };
    // files no edited file reaches: a program of the whole repository would parse and bind them all
    for (let i = 0; i < 40; i++)
      repo[`src/unrelated${i}.ts`] = lines(`import { Other } from './other.js';`, `export function u${i}(o: Other): number {`, '  return o.run(1);', '}');
    const asInput = (r: Record<string, string>) => Object.entries(r).map(([p, text]) => ({ path: p, text }));
    const cache = { facts: new Map(), edges: new Map() };
    analyzeTypeScript(asInput(repo), cache);
    const edited = { ...repo, 'src/caller.ts': repo['src/caller.ts']!.replace('make().run(x)', 'make().run(x + 1)') };
    const stats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const warm = edgeList(analyzeTypeScript(asInput(edited), cache, stats));
    assert.deepEqual(warm, edgeList(analyzeTypeScript(asInput(edited))));
    assert.ok(warm.includes('src.caller.calculateInterest > src.types.Svc.run'), warm.join('\n'));
    // caller.ts in full; factory.ts for its imports, types.ts because factory's kept body names Svc
    assert.equal(stats.tsProgramFiles, 1);
    assert.equal(stats.tsProgramFilesInAll, 3);
  });
});

describe('the lean library', () => {
  // two classes with `format`/`set`/`run` methods: a call the checker cannot type would reach both by name
  const report = lines(
    'export class Report {',
    '  format(x: number): string {',
    '    return String(x);',
    '  }',
    '  set(x: number): void {}',
    '}',
    'export class Svc {',
    '  run(): number {',
    '    return 1;',
    '  }',
    '}',
    'export class Other {',
    '  run(): number {',
    '    return 2;',
    '  }',
    '}',
  );
  const repo: Record<string, string> = {
    'src/report.ts': report,
    // names a typed array: its program needs the declarations the lean library omits
    'src/bytes.ts': lines('export function pack(n: number): number {', '  const b = new Uint8Array(4);', '  b.set([n]);', '  return b.length;', '}'),
    // names none of them: Intl (kept) and the library's generic carriers still type every receiver
    'src/flow.ts': lines(
      "import { Svc } from './report.js';",
      'export async function total(items: Svc[], byId: Map<string, Svc>, later: Promise<Svc>): Promise<string> {',
      '  let t = items.map((s) => s.run()).reduce((a, b) => a + b, 0);',
      '  for (const s of items) t += s.run();',
      "  t += byId.get('a')!.run() + (await later).run();",
      "  const f = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });",
      "  return f.format(t) + t.toLocaleString('en-US');",
      '}',
    ),
  };
  const input = (r: Record<string, string>) => Object.entries(r).map(([p, text]) => ({ path: p, text }));

  it('holds a program none of whose files may reach what it omits, with every call resolved as with the whole library', () => {
    const stats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const part = analyzeTypeScript(input(repo), undefined, stats, { programBudgetChars: 1 });
    // one program per file: bytes.ts's holds the whole library, flow.ts's (report.ts for context) and report.ts's the lean one
    assert.equal(stats.tsPrograms, 3);
    assert.equal(stats.tsLeanLibraryPrograms, 2);
    const edges = edgeList(part);
    assert.deepEqual(edgeList(analyzeTypeScript(input(repo))), edges);
    assert.ok(edges.includes('src.flow.total > src.report.Svc.run'), edges.join('\n'));
    // Intl's and Uint8Array's members are the library's: no call reaches Report by name
    assert.deepEqual([...part.nameOnly], []);
    assert.ok(!edges.some((e) => e.includes('Report') || e.includes('Other')), edges.join('\n'));
  });

  it("holds the whole library for a script's top-level this, which is globalThis", () => {
    const stats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const withScript = {
      'src/report.ts': report,
      // no import or export: a script, whose `this` has every global as a property
      'src/shim.ts': lines('const T = this[`Int${8}Array` as const];', 'function fill(n: number): void {', '  new T(2).set([n]);', '}'),
    };
    const part = analyzeTypeScript(input(withScript), undefined, stats, { programBudgetChars: 1 });
    assert.ok((stats.tsPrograms ?? 0) >= 1);
    assert.equal(stats.tsLeanLibraryPrograms ?? 0, 0);
    assert.deepEqual([...part.nameOnly], []);
  });
});

describe('a file whose this may be globalThis', () => {
  const parsed = (path: string, text: string): ts.SourceFile => ts.createSourceFile(path, text, { languageVersion: ts.ScriptTarget.ES2022 }, false);

  it("is a JavaScript file TypeScript's binder takes for a script, and never one it takes for a module", () => {
    const binderSays = (text: string): { script: boolean } => {
      const host = ts.createCompilerHost({ allowJs: true });
      // only the one file exists (noLib: no library is asked for)
      host.getSourceFile = (f, l) => (f === '/r/a.js' ? ts.createSourceFile(f, text, l, true) : undefined);
      host.fileExists = (f) => f === '/r/a.js';
      const program = ts.createProgram(['/r/a.js'], { allowJs: true, noLib: true, noResolve: true, types: [] }, host);
      program.getTypeChecker();
      const bound = program.getSourceFile('/r/a.js') as ts.SourceFile & { commonJsModuleIndicator?: ts.Node };
      return { script: !bound.commonJsModuleIndicator && !ts.isExternalModule(bound) };
    };
    const gateSays = (text: string): { script: boolean } => ({ script: factsOfSourceFile(parsed('a.js', text), 'a.js').global });
    // the forms real code uses: the same answer
    const same = [
      'module.exports;\nfunction f() {}',
      'if (typeof module === "object" && module.exports) {}',
      'var x = exports.a;',
      'exports.a += 1;',
      '(exports).a = 1;',
      'exports = 1;',
      'this.exports = 1;',
      'require.resolve("x");',
      'new require("x");',
      'require("a", "b");',
      'Object.defineProperty(exports.a, "b", {});',
      '// module.exports = 1\nfunction f() {}',
      'exports.a = void 0;',
      'module.exports = void 0;',
      'exports.a = exports.b = void 0;',
      'module.exports[k] = 1;',
      'exports.a[k] = 1;',
      'exports[k].x = 1;',
      'function f(k) { exports[k] = 1; }',
      'for (var k in impl) module.exports[k] = impl[k];',
      'Object.defineProperty(exports, k, {});',
      'exports.a = 1;',
      'exports.a.b = 1;',
      'exports["a"] = 1;',
      'module.exports = {};',
      'module.exports.x = 1;',
      'module.exports.a.b = 1;',
      'module["exports"] = 1;',
      'require("x");',
      'require(x);',
      'function f() { return require("x"); }',
      'Object.defineProperty(exports, "a", { value: 1 });',
      'Object.defineProperty(module.exports, "a", { value: 1 });',
    ];
    for (const text of same) assert.deepEqual(gateSays(text), binderSays(text), text);
    // rarer forms the binder takes for modules and the gate for scripts: a script is held by every program, so nothing is hidden
    for (const text of ['exports[k] = 1;', 'require?.("x");', 'require /* c */ ("x");', 'module["\\x65xports"] = 1;']) {
      assert.deepEqual(binderSays(text), { script: false }, text);
      assert.deepEqual(gateSays(text), { script: true }, text);
    }
  });

  it('uses this outside every function, unless it is an ES module', () => {
    const cases: [string, string, boolean][] = [
      ['a.ts', 'function f() { return this; }', false],
      ['a.ts', 'class A { m() { return this; } }', false],
      ['a.ts', 'var a = 1;', false],
      ['a.ts', 'export {};\nthis.x;', false],
      ['a.ts', 'const g = () => this.x;', true],
      ['a.ts', 'class A { [this.k]() {} }', true],
      ['a.ts', 'class A { x = this; }', true],
      ['a.ts', 'class A { m(@d(this) x) {} }', true],
      ['a.ts', 'var C = class { constructor(@d(this) x) {} };', true],
      ['a.js', 'module.exports;\nvar T = this["Int8\\x41rray"];', true],
      ['a.js', 'module.exports = this;', true],
    ];
    for (const [file, text, expected] of cases) assert.equal(factsOfSourceFile(parsed(file, text), file).topLevelThis, expected, text);
  });

  it('gets the whole library in a JavaScript script that reaches a typed array through this', () => {
    // TypeScript takes this file for a script (module.exports is only read), so `this` is globalThis,
    // and the string names Int8Array without a digit before `Array`
    const text = lines(
      'var T = this["Int8\\x41rray"];',
      'function run() { return 1; }',
      'var table = { exec: run };',
      'function main() { new T(1).reduce(function (a) { return a; }, table).exec(); }',
      'module.exports;',
    );
    const stats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const edges = edgeList(analyzeTypeScript([{ path: 'a.js', text }], undefined, stats, { programBudgetChars: 1 }));
    assert.equal(stats.tsLeanLibraryPrograms ?? 0, 0);
    assert.ok(edges.includes('a.main > a.run'), edges.join('\n'));
  });
});

describe('program planning', () => {
  it('groups files in order into as few even groups as the budget allows', () => {
    const size = (f: string): number => Number(f.slice(1));
    assert.deepEqual(planPrograms(['a4', 'b4', 'c4', 'd4', 'e4'], size, 100), [['a4', 'b4', 'c4', 'd4', 'e4']]);
    assert.deepEqual(planPrograms(['a4', 'b4', 'c4', 'd4', 'e4'], size, 12), [
      ['a4', 'b4', 'c4'],
      ['d4', 'e4'],
    ]);
    assert.deepEqual(planPrograms(['a50', 'b1', 'c1'], size, 10), [['a50'], ['b1', 'c1']]);
    assert.deepEqual(planPrograms([], size, 10), []);
  });

  it('collects garbage without the --expose-gc flag', () => {
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
    collectGarbage();
    collectGarbage();
  });
});
