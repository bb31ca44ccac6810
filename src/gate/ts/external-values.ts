// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { isBuiltin } from 'node:module';
import { VIRTUAL_ROOT } from './compiler.js';
import type { OnDeclarations, ProgramIndex } from './program-index.js';

const MAX_DEPTH = 6;

/**
 * Whether a value the checker could not type comes from one of Node's own modules: an import of
 * such a module that resolves to no repository file (`node:crypto`, `fs`; no @types/node is
 * loaded), a name declared with such a type, what calling or constructing such a value returns
 * (`createHash('sha256')`), or a member of such a value (`a.b.c`). Such a value holds no
 * repository method the calling file cannot see. Declarations in other files that the answer went
 * through are reported to `touch` (they are dependencies of the walked file's edges).
 *
 * Nothing else is external: an untyped parameter, `any`, an import of a package (which may be a
 * workspace package or a bundler alias of the repository's own code), or a member a repository
 * class inherits from a library base (a repository subclass may declare it) keeps the full
 * by-name fallback.
 */
export class ExternalValues {
  private readonly memo = new Map<ts.Node, boolean>();

  constructor(
    private readonly index: ProgramIndex,
    private readonly touch: OnDeclarations,
  ) {}

  /** Whether `e` (a receiver, or a called name) holds a value of a package outside the repository. */
  isExternal(e: ts.Expression): boolean {
    try {
      return this.expression(e, 0);
    } catch {
      // an unresolvable receiver: not known to be external
      return false;
    }
  }

  private expression(e: ts.Expression, depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    for (;;) {
      if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAwaitExpression(e)) e = e.expression;
      else if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) {
        if (this.typeNode(e.type, depth + 1)) return true;
        e = e.expression;
      } else break;
    }
    let known = this.memo.get(e);
    if (known === undefined) {
      // a cycle (`let x = x.next`) is not external
      this.memo.set(e, false);
      known = this.compute(e, depth);
      this.memo.set(e, known);
    }
    return known;
  }

  private compute(e: ts.Expression, depth: number): boolean {
    if (ts.isCallExpression(e) || ts.isNewExpression(e)) {
      const required = requiredSpecifier(e);
      if (required) return this.unresolvedModule(required);
      if (this.expression(e.expression, depth + 1)) return true;
      // a repository function whose declared return type is a library type
      const decl = this.index.checker.getResolvedSignature(e)?.declaration;
      if (decl && !ts.isJSDocSignature(decl) && decl.type && decl.getSourceFile().fileName.startsWith(VIRTUAL_ROOT)) {
        this.touch([decl]);
        return this.typeNode(decl.type, depth + 1);
      }
      return false;
    }
    if (ts.isIdentifier(e)) return this.symbol(this.index.checker.getSymbolAtLocation(e), depth);
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      // `obj['name']` names a member; `obj[key]` none (the key's own symbol is not the member's)
      const member = ts.isPropertyAccessExpression(e) ? e : ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression : undefined;
      const sym = member && this.index.checker.getSymbolAtLocation(member);
      if (sym?.declarations?.length) return this.symbol(sym, depth);
      // a member the checker does not know, of such a value (not one a repository class inherits
      // from a library base: a repository subclass may declare it)
      return this.expression(e.expression, depth + 1);
    }
    return false;
  }

  /** A name: an import from an unresolved module, or a declaration whose annotation or initializer is external. */
  private symbol(sym: ts.Symbol | undefined, depth: number): boolean {
    if (!sym) return false;
    if (sym.flags & ts.SymbolFlags.Alias) {
      for (const d of sym.declarations ?? []) {
        const spec = importSpecifierOf(d);
        if (spec && this.unresolvedModule(spec)) return true;
        // JavaScript: `const m = require('m')` is an alias too
        if (ts.isVariableDeclaration(d) && d.initializer && this.expression(d.initializer, depth + 1)) return true;
      }
      let target: ts.Symbol;
      try {
        target = this.index.checker.getImmediateAliasedSymbol(sym) ?? this.index.checker.getAliasedSymbol(sym);
      } catch {
        return false;
      }
      this.touch(sym.declarations ?? []);
      return target !== sym && this.symbol(target, depth + 1);
    }
    if (depth > MAX_DEPTH) return false;
    for (const d of sym.declarations ?? []) {
      if (!d.getSourceFile().fileName.startsWith(VIRTUAL_ROOT)) return false;
      this.touch([d]);
      if (ts.isVariableDeclaration(d) || ts.isPropertyDeclaration(d) || ts.isParameter(d) || ts.isPropertySignature(d)) {
        if (d.type) {
          if (this.typeNode(d.type, depth + 1)) return true;
        } else if ((ts.isVariableDeclaration(d) || ts.isPropertyDeclaration(d)) && d.initializer && this.expression(d.initializer, depth + 1)) return true;
      } else if (ts.isPropertyAssignment(d) && this.expression(d.initializer, depth + 1)) return true;
    }
    return false;
  }

  /** A type annotation naming a type of a package outside the repository (every member of a union, `undefined`/`null` aside). */
  private typeNode(t: ts.TypeNode, depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    if (ts.isParenthesizedTypeNode(t)) return this.typeNode(t.type, depth);
    if (ts.isUnionTypeNode(t)) {
      const members = t.types.filter((m) => !isNullish(m));
      return members.length > 0 && members.every((m) => this.typeNode(m, depth + 1));
    }
    if (!ts.isTypeReferenceNode(t)) return false;
    let name: ts.EntityName = t.typeName;
    while (ts.isQualifiedName(name)) name = name.left;
    return this.symbol(this.index.checker.getSymbolAtLocation(name), depth + 1);
  }

  /**
   * A module specifier naming one of Node's own modules (`node:crypto`, `fs`) that resolves to no
   * repository file. Only those: any other unresolved specifier may be a workspace package or a
   * bundler alias of the repository's own code (node_modules and bundler configs are not read).
   */
  private unresolvedModule(spec: ts.Expression): boolean {
    if (!ts.isStringLiteralLike(spec) || !isNodeBuiltin(spec.text)) return false;
    const decls = this.index.checker.getSymbolAtLocation(spec)?.declarations ?? [];
    return !decls.some((d) => d.getSourceFile().fileName.startsWith(VIRTUAL_ROOT));
  }
}

const isNullish = (t: ts.TypeNode): boolean =>
  t.kind === ts.SyntaxKind.UndefinedKeyword ||
  t.kind === ts.SyntaxKind.NullKeyword ||
  (ts.isLiteralTypeNode(t) && (t.literal.kind === ts.SyntaxKind.NullKeyword || t.literal.kind === ts.SyntaxKind.UndefinedKeyword));

/** The module specifier of the import a binding declaration belongs to (`import { x } from 'm'`, `import x = require('m')`). */
function importSpecifierOf(d: ts.Declaration): ts.Expression | undefined {
  let n: ts.Node | undefined = d;
  while (n && !ts.isImportDeclaration(n) && !ts.isImportEqualsDeclaration(n) && !ts.isSourceFile(n)) n = n.parent;
  if (n && ts.isImportDeclaration(n)) return n.moduleSpecifier;
  if (n && ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) return n.moduleReference.expression;
  return undefined;
}

/** The literal of `require('m')`. */
function requiredSpecifier(e: ts.CallExpression | ts.NewExpression): ts.Expression | undefined {
  const a = e.arguments?.[0];
  return ts.isCallExpression(e) &&
    ts.isIdentifier(e.expression) &&
    e.expression.text === 'require' &&
    e.arguments.length === 1 &&
    a &&
    ts.isStringLiteralLike(a)
    ? a
    : undefined;
}

/** One of Node's own modules: `node:x`, or a bare name Node resolves to a built-in (`fs`, `crypto`, `fs/promises`). */
function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || isBuiltin(spec);
}
