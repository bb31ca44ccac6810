// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { VIRTUAL_ROOT } from './compiler.js';
import { FileNodeIndex } from './node-index.js';
import type { TsFileFacts } from './model.js';

/** Receives every declaration a resolution went through (the walked file's dependencies). */
export type OnDeclarations = (decls: readonly ts.Declaration[]) => void;

/** A lookup by node. */
export interface NodeLookup<T> {
  get(node: ts.Node): T | undefined;
}

/**
 * The current program's checker with its declaration nodes mapped to definition ids, and the
 * symbol lookups built on them. A file's nodes are looked up by position in its syntax facts
 * (node-index.ts), indexed the first time a lookup reaches the file: a program holds many files
 * only as context, and a walk resolves into few of them. Released between programs so one
 * program is the peak of memory.
 */
export class ProgramIndex {
  private checkerOf: ts.TypeChecker | undefined;
  private facts: Map<string, TsFileFacts> = new Map();
  private readonly files = new Map<ts.SourceFile, FileNodeIndex | undefined>();
  /** Declaration node → definition id. */
  readonly declToId: NodeLookup<string> = { get: (n) => this.fileIndexOf(n)?.idOf(n) };
  /** Class/interface declaration → its members by name. */
  readonly membersOf: NodeLookup<Map<string, string>> = { get: (n) => this.fileIndexOf(n)?.membersOf(n) };

  get checker(): ts.TypeChecker {
    return this.checkerOf!;
  }

  /**
   * A declaration's position in its file's text without the contents of the bodies the file's
   * outline blanks: the text its outline key digests, so the same in every version of the file an
   * importer's cached entry was made against. Inside such a body (a local, which only the file's own
   * walk can name) the position itself, marked apart.
   */
  placePosition(d: ts.Node): string {
    let cut = 0;
    for (const [start, end] of this.facts.get(d.getSourceFile().fileName)?.outline ?? []) {
      if (d.pos >= end) cut += end - start;
      else if (d.pos >= start) return `body:${d.pos}`;
      else break;
    }
    return String(d.pos - cut);
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

  /** The source file of the module an import binding's declaration names (none for other declarations). */
  private importedModuleOf(d: ts.Declaration): ts.Declaration[] {
    let n: ts.Node | undefined = d;
    while (n && !ts.isImportDeclaration(n) && !ts.isImportEqualsDeclaration(n) && !ts.isSourceFile(n)) n = n.parent;
    const spec =
      n && ts.isImportDeclaration(n)
        ? n.moduleSpecifier
        : n && ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)
          ? n.moduleReference.expression
          : undefined;
    if (!spec) return [];
    try {
      return this.checker.getSymbolAtLocation(spec)?.declarations ?? [];
    } catch {
      return [];
    }
  }

  /** The id of a node of `sf` (a walk asks this for every ancestor of every call: no search for the node's file). */
  idInFile(sf: ts.SourceFile, n: ts.Node): string | undefined {
    return this.fileIndex(sf)?.idOf(n);
  }

  /** A file's classes and interfaces that define something, as nodes of this program. */
  classNodesOf(sf: ts.SourceFile): ts.Node[] {
    return this.fileIndex(sf)?.classNodes(sf) ?? [];
  }

  private fileIndexOf(n: ts.Node): FileNodeIndex | undefined {
    const sf = n.getSourceFile();
    return sf ? this.fileIndex(sf) : undefined;
  }

  private fileIndex(sf: ts.SourceFile): FileNodeIndex | undefined {
    let fi = this.files.get(sf);
    if (fi === undefined && !this.files.has(sf)) {
      const fact = sf.fileName.startsWith(VIRTUAL_ROOT) ? this.facts.get(sf.fileName) : undefined;
      fi = fact && !fact.error ? new FileNodeIndex(fact.nodes, fact.classMembers) : undefined;
      this.files.set(sf, fi);
    }
    return fi;
  }

  /** Drops the checker and every node of the program, so it can be collected. */
  release(): void {
    this.checkerOf = undefined;
    this.facts = new Map();
    this.files.clear();
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
      // the module an import names is a hop too: its `export * from …` may lead elsewhere tomorrow
      // (its dependency key covers the files it re-exports from, see RepositoryHost.contextKey)
      if (onDecls) for (const d of sym.declarations ?? []) onDecls(this.importedModuleOf(d));
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

  /**
   * Resolves what `expr` names: the alias itself (an import binding) and its final declarations.
   * With `onDecls`, those declarations and each hop of an alias chain are given to it (the import,
   * every re-export on the way): a walk that resolves a name written in another file (a factory's
   * `return settle` or `return ns.settle`, a table's `[settle]`, a variable's `make()`) depends on
   * those files, which its own imports need not reach, since a re-export there may name another
   * module tomorrow, and the module declaring the name may be gone.
   */
  resolveSymbol(expr: ts.Node, onDecls?: OnDeclarations): { aliasDecls: ts.Declaration[]; decls: ts.Declaration[]; known: boolean } {
    let sym: ts.Symbol | undefined;
    try {
      sym = this.checker.getSymbolAtLocation(expr);
    } catch {
      sym = undefined;
    }
    // `fees.settle` through `import * as fees`: the namespace's import and the modules it reaches
    // are hops too (the checker answers the member's declaration directly), also when the member
    // is found nowhere (a module it was re-exported from, deleted, may come back)
    const left = onDecls ? (ts.isPropertyAccessExpression(expr) ? expr.expression : ts.isQualifiedName(expr) ? expr.left : undefined) : undefined;
    if (left && ts.isIdentifier(left)) {
      try {
        const ns = this.checker.getSymbolAtLocation(left);
        if (ns && ns.flags & ts.SymbolFlags.Alias) this.followAliases(ns, onDecls);
      } catch {
        // a receiver the checker cannot resolve is no namespace
      }
    }
    if (!sym) return { aliasDecls: [], decls: [], known: false };
    const aliasDecls: ts.Declaration[] = [];
    if (sym.flags & ts.SymbolFlags.Alias) {
      aliasDecls.push(...(sym.declarations ?? []));
      try {
        if (onDecls) this.followAliases(sym, onDecls);
      } catch {
        // a hop the checker cannot follow: the chain's own resolution below decides
      }
      try {
        sym = this.checker.getAliasedSymbol(sym);
      } catch {
        return { aliasDecls, decls: [], known: false };
      }
    }
    const decls = sym.declarations ?? [];
    onDecls?.(decls);
    return { aliasDecls, decls, known: decls.length > 0 };
  }

  /** The binding an import declaration defines (`import { x }`, `import * as x`, `import x`). */
  aliasBindingId(decl: ts.Declaration): string | undefined {
    if (ts.isImportSpecifier(decl) || ts.isNamespaceImport(decl)) return this.declToId.get(decl.name);
    if (ts.isImportClause(decl) && decl.name) return this.declToId.get(decl.name);
    return undefined;
  }
}
