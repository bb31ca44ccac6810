// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { VIRTUAL_ROOT } from './compiler.js';
import { recordDefinitions } from './definitions.js';
import type { TsFileFacts } from './model.js';

/** Receives every declaration a resolution went through (the walked file's dependencies). */
export type OnDeclarations = (decls: readonly ts.Declaration[]) => void;

/**
 * The current program's checker with its declaration nodes mapped to definition ids, and the
 * symbol lookups built on them. Rebuilt for every program; released between programs so one
 * program is the peak of memory.
 */
export class ProgramIndex {
  private checkerOf: ts.TypeChecker | undefined;
  readonly declToId = new Map<ts.Node, string>();
  /** Class/interface declaration → its members by name (files of the current program). */
  readonly membersOf = new Map<ts.Node, Map<string, string>>();
  readonly classNodesOf = new Map<ts.SourceFile, ts.Node[]>();

  get checker(): ts.TypeChecker {
    return this.checkerOf!;
  }

  /** Indexes a program's repository files; returns them by file name (files that failed to parse left out). */
  load(program: ts.Program, facts: Map<string, TsFileFacts>): Map<string, ts.SourceFile> {
    this.checkerOf = program.getTypeChecker();
    this.declToId.clear();
    this.membersOf.clear();
    this.classNodesOf.clear();
    const programSource = new Map<string, ts.SourceFile>();
    for (const sf of program.getSourceFiles()) {
      if (!sf.fileName.startsWith(VIRTUAL_ROOT) || facts.get(sf.fileName)?.error) continue;
      programSource.set(sf.fileName, sf);
      const r = recordDefinitions(sf, sf.fileName.slice(VIRTUAL_ROOT.length), false);
      for (const [n, id] of r.decls) this.declToId.set(n, id);
      for (const [n, m] of r.members) this.membersOf.set(n, m);
      this.classNodesOf.set(
        sf,
        r.members.map(([n]) => n),
      );
    }
    return programSource;
  }

  /** Drops the checker and every node of the program, so it can be collected. */
  release(): void {
    this.checkerOf = undefined;
    this.declToId.clear();
    this.membersOf.clear();
    this.classNodesOf.clear();
  }

  declarationsOf(expr: ts.Node): ts.Declaration[] {
    let sym = this.checker.getSymbolAtLocation(expr);
    if (!sym) return [];
    if (sym.flags & ts.SymbolFlags.Alias) {
      try {
        sym = this.checker.getAliasedSymbol(sym);
      } catch {
        return [];
      }
    }
    return sym.declarations ?? [];
  }

  /**
   * The declarations a value symbol stands for, following import/re-export aliases one step at a
   * time; every declaration on the way is reported to `onDecls` (the walked file's dependencies:
   * a table in b.ts holding `settle` imported through c.ts depends on c.ts too).
   */
  followAliases(sym: ts.Symbol | undefined, onDecls: OnDeclarations | undefined): readonly ts.Declaration[] {
    for (let i = 0; sym && sym.flags & ts.SymbolFlags.Alias && i < 16; i++) {
      onDecls?.(sym.declarations ?? []);
      sym = this.checker.getImmediateAliasedSymbol(sym);
    }
    const decls = sym?.declarations ?? [];
    onDecls?.(decls);
    return decls;
  }

  /** The definition ids a declaration stands for (a class also stands for its constructor). */
  idsForDecl(decl: ts.Node, out: Set<string>, depth = 0, onDecls?: OnDeclarations): void {
    // a property holding a repository function (`{ pay: settle }`, `{ settle }`): calling it calls that function
    if (depth < 8 && ts.isPropertyAssignment(decl) && (ts.isIdentifier(decl.initializer) || ts.isPropertyAccessExpression(decl.initializer))) {
      onDecls?.([decl]);
      let sym: ts.Symbol | undefined;
      try {
        sym = this.checker.getSymbolAtLocation(decl.initializer);
      } catch {
        sym = undefined;
      }
      for (const d of this.followAliases(sym, onDecls)) this.idsForDecl(d, out, depth + 1, onDecls);
      return;
    }
    if (depth < 8 && ts.isShorthandPropertyAssignment(decl)) {
      onDecls?.([decl]);
      for (const d of this.followAliases(this.checker.getShorthandAssignmentValueSymbol(decl), onDecls)) this.idsForDecl(d, out, depth + 1, onDecls);
      return;
    }
    const id = this.idOfDeclaration(decl);
    if (id === undefined) return;
    out.add(id);
    if (ts.isClassLike(decl)) {
      const ctor = this.membersOf.get(decl)?.get('constructor');
      if (ctor) out.add(ctor);
    }
  }

  private idOfDeclaration(decl: ts.Node): string | undefined {
    const { declToId } = this;
    let id = declToId.get(decl);
    if (id === undefined && (ts.isFunctionExpression(decl) || ts.isArrowFunction(decl))) id = declToId.get(decl.parent);
    if (id === undefined && ts.isVariableDeclaration(decl) && decl.initializer) id = declToId.get(decl.initializer);
    // a CommonJS export or expando is declared by its assignment (`exports.x = function …`)
    if (id === undefined && (ts.isBinaryExpression(decl) || ts.isPropertyAccessExpression(decl))) id = declToId.get(decl) ?? declToId.get(decl.parent);
    return id;
  }

  /** Resolves what `expr` names: the alias itself (an import binding) and its final declarations. */
  resolveSymbol(expr: ts.Node): { aliasDecls: ts.Declaration[]; decls: ts.Declaration[]; known: boolean } {
    let sym: ts.Symbol | undefined;
    try {
      sym = this.checker.getSymbolAtLocation(expr);
    } catch {
      sym = undefined;
    }
    if (!sym) return { aliasDecls: [], decls: [], known: false };
    const aliasDecls: ts.Declaration[] = [];
    if (sym.flags & ts.SymbolFlags.Alias) {
      aliasDecls.push(...(sym.declarations ?? []));
      try {
        sym = this.checker.getAliasedSymbol(sym);
      } catch {
        return { aliasDecls, decls: [], known: false };
      }
    }
    return { aliasDecls, decls: sym.declarations ?? [], known: (sym.declarations ?? []).length > 0 };
  }

  /** The binding an import declaration defines (`import { x }`, `import * as x`, `import x`). */
  aliasBindingId(decl: ts.Declaration): string | undefined {
    if (ts.isImportSpecifier(decl) || ts.isNamespaceImport(decl)) return this.declToId.get(decl.name);
    if (ts.isImportClause(decl) && decl.name) return this.declToId.get(decl.name);
    return undefined;
  }
}
