// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { VIRTUAL_ROOT } from './compiler.js';
import { recordDefinitions } from './definitions.js';
import type { TsFileFacts } from './model.js';

/** Receives every declaration a resolution went through (the walked file's dependencies). */
export type OnDeclarations = (decls: readonly ts.Declaration[]) => void;

/** A lookup by node that indexes the node's file on first use. */
export interface NodeLookup<T> {
  get(node: ts.Node): T | undefined;
}

/**
 * The current program's checker with its declaration nodes mapped to definition ids, and the
 * symbol lookups built on them. A file is indexed the first time a lookup reaches one of its
 * nodes: a program holds many files only as context, and a walk resolves into few of them.
 * Rebuilt for every program; released between programs so one program is the peak of memory.
 */
export class ProgramIndex {
  private checkerOf: ts.TypeChecker | undefined;
  private facts: Map<string, TsFileFacts> = new Map();
  private readonly indexed = new Set<ts.SourceFile>();
  private readonly ids = new Map<ts.Node, string>();
  private readonly members = new Map<ts.Node, Map<string, string>>();
  private readonly classNodes = new Map<ts.SourceFile, ts.Node[]>();
  /** Declaration node → definition id. */
  readonly declToId: NodeLookup<string> = { get: (n) => this.ids.get(n) ?? (this.indexFileOf(n) ? this.ids.get(n) : undefined) };
  /** Class/interface declaration → its members by name. */
  readonly membersOf: NodeLookup<Map<string, string>> = { get: (n) => this.members.get(n) ?? (this.indexFileOf(n) ? this.members.get(n) : undefined) };
  /** A file's classes and interfaces. */
  readonly classNodesOf: NodeLookup<ts.Node[]> = {
    get: (sf) => {
      this.indexFileOf(sf);
      return this.classNodes.get(sf as ts.SourceFile);
    },
  };

  get checker(): ts.TypeChecker {
    return this.checkerOf!;
  }

  /** Starts on a program; returns its repository files by file name (files that failed to parse left out). */
  load(program: ts.Program, facts: Map<string, TsFileFacts>): Map<string, ts.SourceFile> {
    this.release();
    this.checkerOf = program.getTypeChecker();
    this.facts = facts;
    const programSource = new Map<string, ts.SourceFile>();
    for (const sf of program.getSourceFiles()) if (sf.fileName.startsWith(VIRTUAL_ROOT) && !facts.get(sf.fileName)?.error) programSource.set(sf.fileName, sf);
    return programSource;
  }

  /**
   * The id of a node of a file already indexed (see {@link indexFile}), without looking for the
   * node's file: a walk asks this for every ancestor of every call.
   */
  idInIndexedFile(n: ts.Node): string | undefined {
    return this.ids.get(n);
  }

  /** Indexes a file unless done. */
  indexFile(sf: ts.SourceFile): void {
    this.indexFileOf(sf);
  }

  /** Indexes the file of `n` unless done; whether that added anything. */
  private indexFileOf(n: ts.Node): boolean {
    const sf = n.getSourceFile();
    if (!sf || this.indexed.has(sf)) return false;
    this.indexed.add(sf);
    if (!sf.fileName.startsWith(VIRTUAL_ROOT) || this.facts.get(sf.fileName)?.error) return false;
    const r = recordDefinitions(sf, sf.fileName.slice(VIRTUAL_ROOT.length), false);
    for (const [d, id] of r.decls) this.ids.set(d, id);
    for (const [d, m] of r.members) this.members.set(d, m);
    this.classNodes.set(
      sf,
      r.members.map(([d]) => d),
    );
    return true;
  }

  /** Drops the checker and every node of the program, so it can be collected. */
  release(): void {
    this.checkerOf = undefined;
    this.facts = new Map();
    this.indexed.clear();
    this.ids.clear();
    this.members.clear();
    this.classNodes.clear();
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
