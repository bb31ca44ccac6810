import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { compilerOptions } from '../../src/gate/ts/compiler.js';
import { mayNeedWholeLibrary, withoutBlockComments, withoutOmittedDeclarations } from '../../src/gate/ts/library-text.js';

/** Every node's kind, with the text of names and literals, in source order: what the checker reads. */
function shape(text: string): string[] {
  const sf = ts.createSourceFile('lib.d.ts', text, { languageVersion: ts.ScriptTarget.ES2022, jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeInfo }, false);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    out.push(ts.isIdentifier(n) || ts.isLiteralExpression(n) || ts.isPrivateIdentifier(n) ? `${n.kind}:${n.text}` : String(n.kind));
    ts.forEachChild(n, visit);
  };
  visit(sf);
  const diags = (sf as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
  out.push(`diagnostics:${diags.length}`);
  out.push(`libs:${sf.libReferenceDirectives.map((d) => d.fileName).join(',')}`);
  return out;
}

describe('the ES library without block comments', () => {
  it('declares exactly what the library declares, file by file, and is much smaller', () => {
    // every library file TypeScript ships: the gate's programs load ES2022 and what it references,
    // and a repository file's `/// <reference lib="dom" />` can load any other
    const libDir = path.dirname(ts.getDefaultLibFilePath(compilerOptions));
    const files = new Set(
      readdirSync(libDir)
        .filter((f) => /^lib\..*\.d\.ts$/.test(f))
        .map((f) => path.join(libDir, f)),
    );
    for (const l of compilerOptions.lib!) assert.ok(files.has(path.join(libDir, l)), l);
    assert.ok(files.size > 90, `TypeScript ships ${files.size} library files`);
    // the files the gate's programs load (ES2022 and what it references) shrink by more than half
    const loaded = new Set(compilerOptions.lib!.map((l) => path.join(libDir, l)));
    for (const f of loaded) {
      for (const d of ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022).libReferenceDirectives) {
        loaded.add(path.join(libDir, `lib.${d.fileName.toLowerCase()}.d.ts`));
      }
    }
    let loadedBefore = 0;
    let loadedAfter = 0;
    let before = 0;
    let after = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const stripped = withoutBlockComments(text);
      before += text.length;
      after += stripped.length;
      if (loaded.has(f)) {
        loadedBefore += text.length;
        loadedAfter += stripped.length;
      }
      assert.deepEqual(shape(stripped), shape(text), path.basename(f));
    }
    assert.ok(after < before, `${after} of ${before} characters left`);
    assert.ok(loaded.size > 40 && loadedAfter < loadedBefore / 2, `${loadedAfter} of ${loadedBefore} characters left in the ${loaded.size} files loaded`);
  });

  it('keeps line breaks a comment held, which end statements', () => {
    for (const text of ['declare var a: string /*\n*/ [];', 'interface I { x: number /**\n */ y: string }', 'declare const t: `${"/*"}`; /* a */']) {
      assert.deepEqual(shape(withoutBlockComments(text)), shape(text), text);
    }
    assert.equal(withoutBlockComments('a; /* one\ntwo\nthree */ b;'), 'a; \n\n b;');
    // a substitution may nest anything: such a file is left whole
    const nested = 'declare type T = `${`/*`}`; /* c */';
    assert.equal(withoutBlockComments(nested), nested);
  });

  it('keeps what only looks like a comment: strings, templates, line comments and reference directives', () => {
    const text = [
      '/// <reference lib="es2015.core" />',
      '/*! licence */',
      'declare const a: "/* not a comment */";',
      "declare const b: '/*';",
      'declare type C = `/* not a comment */`;',
      '// a line comment with /* in it',
      'declare const d: number; /** doc */ declare const e: "\\"/*";',
      'declare const f: string; /* one line */ declare const g: 1;',
    ].join('\n');
    assert.equal(
      withoutBlockComments(text),
      [
        '/// <reference lib="es2015.core" />',
        ' ',
        'declare const a: "/* not a comment */";',
        "declare const b: '/*';",
        'declare type C = `/* not a comment */`;',
        '// a line comment with /* in it',
        'declare const d: number;   declare const e: "\\"/*";',
        'declare const f: string;   declare const g: 1;',
      ].join('\n'),
    );
  });

  it('leaves an unterminated comment for the parser to report', () => {
    assert.equal(withoutBlockComments('declare const a: 1; /* open'), 'declare const a: 1; /* open');
  });
});

/** The library files the gate's programs load: ES2022 and what it references. */
function loadedLibraryFiles(): string[] {
  const libDir = path.dirname(ts.getDefaultLibFilePath(compilerOptions));
  const loaded = new Set(compilerOptions.lib!.map((l) => path.join(libDir, l)));
  for (const f of loaded) {
    for (const d of ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022).libReferenceDirectives) {
      loaded.add(path.join(libDir, `lib.${d.fileName.toLowerCase()}.d.ts`));
    }
  }
  return [...loaded];
}

const TYPED_ARRAYS = ['Int8', 'Uint8', 'Uint8Clamped', 'Int16', 'Uint16', 'Int32', 'Uint32', 'Float32', 'Float64', 'BigInt64', 'BigUint64'].map(
  (p) => `${p}Array`,
);
const OMITTED = new Set([...[...TYPED_ARRAYS, 'DataView', 'SharedArrayBuffer'].flatMap((n) => [n, `${n}Constructor`]), 'Atomics']);
// kept types made of an omitted one (`ArrayBufferLike` is a union over `ArrayBufferTypes`, which lists `SharedArrayBuffer`)
const DEPENDENT = new Set(['ArrayBufferLike', 'ArrayBufferTypes', 'ArrayBufferView']);

const declaredName = (s: ts.Statement): string | undefined =>
  ts.isVariableStatement(s) ? s.declarationList.declarations[0]!.name.getText() : (s as { name?: ts.Identifier }).name?.text;

const parse = (f: string, text: string): ts.SourceFile =>
  ts.createSourceFile(f, text, { languageVersion: ts.ScriptTarget.ES2022, jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeInfo }, true);

describe('the lean library', () => {
  it('is the loaded library without the declarations of binary data, statement for statement, and well under its size', () => {
    const files = loadedLibraryFiles();
    assert.ok(files.length > 40, `${files.length} files`);
    const omittedSeen = new Set<string>();
    let whole = 0;
    let lean = 0;
    for (const f of files) {
      const stripped = withoutBlockComments(readFileSync(f, 'utf8'));
      const leanText = withoutOmittedDeclarations(stripped);
      whole += stripped.length;
      lean += leanText.length;
      const full = parse(f, stripped);
      const kept = parse(f, leanText);
      assert.equal((kept as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics.length, 0, path.basename(f));
      const expected = full.statements.filter((s) => {
        const n = declaredName(s);
        if (n !== undefined && OMITTED.has(n)) omittedSeen.add(n);
        return n === undefined || !OMITTED.has(n);
      });
      assert.deepEqual(
        kept.statements.map((s) => s.getText(kept)),
        expected.map((s) => s.getText(full)),
        path.basename(f),
      );
      assert.deepEqual(
        kept.libReferenceDirectives.map((d) => d.fileName),
        full.libReferenceDirectives.map((d) => d.fileName),
      );
    }
    // every omitted name is one the library declares (a renamed one would be kept unnoticed)
    assert.deepEqual([...omittedSeen].sort(), [...OMITTED].sort());
    assert.ok(lean < whole * 0.65, `${lean} of ${whole} characters left`);
  });

  it('omits nothing a kept declaration returns or takes, except through declarations named ArrayBuffer…', () => {
    const refs = new Set<string>();
    for (const f of loadedLibraryFiles()) {
      const sf = parse(f, withoutOmittedDeclarations(withoutBlockComments(readFileSync(f, 'utf8'))));
      const visit = (n: ts.Node, where: string): void => {
        if (ts.isIdentifier(n) && (OMITTED.has(n.text) || DEPENDENT.has(n.text))) refs.add(`${where}: ${n.text}`);
        let next = where;
        if ((ts.isMethodSignature(n) || ts.isPropertySignature(n)) && n.name) next = `${where}.${n.name.getText(sf)}`;
        n.forEachChild((c) => visit(c, next));
      };
      for (const s of sf.statements) {
        const n = declaredName(s);
        assert.ok(n === undefined || !OMITTED.has(n), `${n} is still declared in ${path.basename(f)}`);
        visit(s, n ?? '?');
      }
    }
    // a file reaches each of these only by naming `ArrayBuffer…`, which gives its program the whole library
    const outside = [...refs].filter((r) => !r.startsWith('ArrayBuffer'));
    assert.deepEqual(outside, [], `kept declarations not named ArrayBuffer… that reach an omitted type:\n${outside.join('\n')}`);
    assert.ok(refs.has('ArrayBufferTypes.SharedArrayBuffer: SharedArrayBuffer'), [...refs].join('\n'));
  });

  it('is not for a file that may reach what it omits', () => {
    for (const n of [...OMITTED, ...DEPENDENT]) assert.ok(mayNeedWholeLibrary(`const x: ${n} = y;`), n);
    for (const text of [
      // a directive may load another library (the DOM's `TextEncoder.encode` returns a Uint8Array), written any way TypeScript reads it
      '/// <reference lib="dom" />\nexport {};',
      '/// <Reference lib="dom"/>\nexport {};',
      '/// <reference path="x" lib="dom" />\nexport {};',
      // every global is a property of globalThis, reachable by a computed key that names none of them
      'const B = globalThis[`Int${8}Array` as const];',
      // an escape may spell a name
      'const d = new \\u0044ataView(buf);',
    ]) {
      assert.ok(mayNeedWholeLibrary(text), text);
    }
    assert.ok(
      !mayNeedWholeLibrary(
        'export async function pay(items: Item[]): Promise<number> {\n  const f = new Intl.NumberFormat("en");\n  return items.map((i) => i.total()).reduce((a, b) => a + b, 0);\n}',
      ),
    );
  });
});
