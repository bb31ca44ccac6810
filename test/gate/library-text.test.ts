import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { compilerOptions } from '../../src/gate/ts/compiler.js';
import { withoutBlockComments } from '../../src/gate/ts/library-text.js';

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
    // the library the gate's programs load: its entry files and every file they reference
    const libDir = path.dirname(ts.getDefaultLibFilePath(compilerOptions));
    const files = new Set(compilerOptions.lib!.map((l) => path.join(libDir, l)));
    for (const f of files) {
      const sf = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022);
      for (const d of sf.libReferenceDirectives) files.add(path.join(libDir, `lib.${d.fileName.toLowerCase()}.d.ts`));
    }
    assert.ok(files.size > 40, `the ES2022 library has its ${files.size} files`);
    let before = 0;
    let after = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const stripped = withoutBlockComments(text);
      before += text.length;
      after += stripped.length;
      assert.deepEqual(shape(stripped), shape(text), path.basename(f));
    }
    assert.ok(after < before / 2, `${after} of ${before} characters left`);
  });

  it('keeps what only looks like a comment: strings, templates, line comments and reference directives', () => {
    const text = [
      '/// <reference lib="es2015.core" />',
      '/*! licence */',
      'declare const a: "/* not a comment */";',
      "declare const b: '/*';",
      'declare type C = `/*${string}*/`;',
      '// a line comment with /* in it',
      'declare const d: number; /** doc */ declare const e: "\\"/*";',
      'declare const f: string; /* multi',
      ' line */ declare const g: 1;',
    ].join('\n');
    assert.equal(
      withoutBlockComments(text),
      [
        '/// <reference lib="es2015.core" />',
        ' ',
        'declare const a: "/* not a comment */";',
        "declare const b: '/*';",
        'declare type C = `/*${string}*/`;',
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
