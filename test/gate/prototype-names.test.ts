import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildCallGraph, GraphCaches } from '../../src/gate/graph.js';
import { gitBlobHash, languageOf, type SourceFile } from '../../src/gate/sources.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-prototype-names-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const sources = (files: Record<string, string>): SourceFile[] =>
  Object.entries(files).map(([p, text]) => ({ path: p, text, hash: gitBlobHash(text), language: languageOf(p)! }));

// names that are members of every JavaScript object: facts keep the code's names as record keys
const go = {
  'a/a.go': [
    'package a',
    '',
    'type constructor struct{}',
    '',
    'func (c *constructor) toString() int { return 1 }',
    '',
    'func valueOf() int { return 2 }',
    '',
    'func F() int {',
    '\tconstructor := 1',
    '\thasOwnProperty := valueOf()',
    '\t__proto__ := &constructor{}',
    '\treturn constructor + hasOwnProperty + __proto__.toString()',
    '}',
    '',
  ].join('\n'),
};
const java = {
  'src/p/A.java': [
    'package p;',
    'class A {',
    '  int constructor;',
    '  B toString;',
    '  int f() { int hasOwnProperty = 1; return toString.valueOf() + hasOwnProperty + constructor; }',
    '}',
    'class B {',
    '  int valueOf() { return 2; }',
    '}',
    '',
  ].join('\n'),
};

describe("code whose names are Object.prototype's members", () => {
  for (const [name, files, from, tos] of [
    ['Go', go, 'a.a.F', ['a.a.valueOf', 'a.a.constructor.toString']],
    ['Java', java, 'src.p.A.A.f', ['src.p.A.B.valueOf']],
  ] as const) {
    it(`${name}: locals, fields and types named constructor, toString, hasOwnProperty or __proto__ resolve like any other, parsed or read from the cache`, async () => {
      const dir = mkdtempSync(path.join(tmp, 'cache-'));
      const parsed = new GraphCaches(dir);
      const first = await buildCallGraph(sources(files), parsed);
      parsed.save();
      assert.equal(parsed.stats.parsed, 1);
      assert.deepEqual([...(first.calls.get(from) ?? [])].sort(), [...tos].sort());
      // the facts come back from JSON (plain objects, with a prototype) and are resolved again
      for (const f of readdirSync(dir)) if (/-(graph|resolution)-/.test(f)) rmSync(path.join(dir, f));
      const cached = new GraphCaches(dir);
      const second = await buildCallGraph(sources(files), cached);
      assert.equal(cached.stats.reused, 1);
      assert.equal(cached.stats.resolutionsReused, 0);
      assert.deepEqual([...(second.calls.get(from) ?? [])].sort(), [...tos].sort());
    });
  }
});
