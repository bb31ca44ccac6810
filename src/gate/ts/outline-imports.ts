// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- required on purpose, see the comment above
import ts = require('typescript');
import type { OutlineRanges } from './outline.js';
import { inlineModuleSpecifier } from './syntax.js';

/**
 * The module specifiers a file needs when it is only context for another file's analysis (held
 * as its outline): those whose imported bindings the outline still mentions, every re-export, every
 * import for its side effects, and every `require`/`import()`/`import('…')` type outside the blanked
 * bodies. A program that holds some files in full needs, besides their own imports, only the
 * outlines reached through these: the checker resolves a name only through an import the text
 * mentions, and the blanked bodies are never checked. A binding counts as mentioned by its name
 * anywhere in the outline (a shadowing local or a property of that name too), so the set never
 * misses one the checker follows. JavaScript is never outlined: every import counts (its JSDoc
 * type imports are among them, see file-facts.ts).
 */
export function outlineImports(sf: ts.SourceFile, ranges: OutlineRanges, imports: readonly string[]): string[] {
  if (/\.[mc]?jsx?$/.test(sf.fileName)) return [...imports];
  const names = new Set<string>();
  const out = new Set<string>();
  // a blanked body is a block whose closing brace ends a range
  const blankedEnds = new Set(ranges.map(([, e]) => e));
  const visit = (n: ts.Node): void => {
    if (ts.isBlock(n) && blankedEnds.has(n.end - 1)) return;
    if (ts.isIdentifier(n)) names.add(n.text);
    // an import inside `declare module '…' { }`: kept whole, like a re-export
    else if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier))
      out.add(n.moduleSpecifier.text);
    else {
      const spec = inlineModuleSpecifier(n);
      if (spec !== undefined) out.add(spec);
    }
    n.forEachChild(visit);
  };
  const bindings: [string, string[]][] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const clause = st.importClause;
      if (!clause) out.add(st.moduleSpecifier.text);
      else bindings.push([st.moduleSpecifier.text, bindingNames(clause)]);
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) && ts.isStringLiteral(st.moduleReference.expression)) {
      bindings.push([st.moduleReference.expression.text, [st.name.text]]);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      out.add(st.moduleSpecifier.text);
    } else {
      visit(st);
    }
  }
  for (const [spec, bound] of bindings) if (bound.some((b) => names.has(b))) out.add(spec);
  return [...out];
}

function bindingNames(clause: ts.ImportClause): string[] {
  const out: string[] = [];
  if (clause.name) out.push(clause.name.text);
  const nb = clause.namedBindings;
  if (nb && ts.isNamespaceImport(nb)) out.push(nb.name.text);
  else if (nb) for (const el of nb.elements) out.push(el.name.text);
  return out;
}
