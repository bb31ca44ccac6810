import { createHash } from 'node:crypto';
import path from 'node:path';
import ts from 'typescript';
import { moduleNameFor } from '../facts.js';
import type { Definition, DefinitionKind } from '../types.js';

/** The TypeScript/JavaScript part of a call graph, plain data so it can be cached. */
export interface TsGraphPart {
  defs: Definition[];
  calls: [string, string[]][];
  reads: [string, string[]][];
  unparsable: { file: string; reason: string }[];
}

const VIRTUAL_ROOT = '/__bulwark_repo__/';

export function isTsLike(file: string): boolean {
  return /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/.test(file) && !/\.d\.[mc]?ts$/.test(file);
}

/**
 * Builds the TS/JS call graph with a Program and its TypeChecker over an in-memory copy of the
 * files (so base and head revisions never touch the working tree). Resolution:
 * - calls through identifiers, imports, aliases, re-exports and default exports follow the
 *   checker's symbols (aliases resolved to their target declaration);
 * - a method declared on an interface or a base class → that declaration plus every override in
 *   classes that implement/extend it (transitively);
 * - identifiers naming a repository function used as a value (callbacks, handler tables) → an edge;
 * - over-approximation: a call the checker cannot resolve (`any`, untyped JS) → every repository
 *   function/method with that name.
 */
/** The edges found in one file, cached by the file's content plus the contents of the files it imports directly. */
export interface TsFileEdges {
  calls: [string, string[]][];
  reads: [string, string[]][];
}

export interface TsAnalysisCache {
  get(key: string): TsFileEdges | undefined;
  set(key: string, value: TsFileEdges): void;
}

// Parsed files are shared between the base and head programs of one run (unchanged files parse
// and bind once); entries not used by the latest program are dropped.
let sourceFileCache = new Map<string, ts.SourceFile>();

/** Drops the parsed files kept for the next program (a long-lived process calls this after a gate run). */
export function releaseParsedFiles(): void {
  sourceFileCache = new Map();
}

interface FileDefinitions {
  defs: Definition[];
  decls: [ts.Node, string][];
  members: [ts.Node, Map<string, string>][];
}
const definitionsCache = new WeakMap<ts.SourceFile, FileDefinitions>();

export function analyzeTypeScript(files: { path: string; text: string; hash?: string }[], edgeCache?: TsAnalysisCache, stats?: { tsFilesWalked: number; tsFilesReused: number }): TsGraphPart {
  const texts = new Map<string, string>();
  const hashes = new Map<string, string>();
  for (const f of files) {
    texts.set(VIRTUAL_ROOT + f.path, f.text);
    hashes.set(VIRTUAL_ROOT + f.path, f.hash ?? createHash('sha1').update(f.text).digest('hex'));
  }
  const usedSourceFiles = new Map<string, ts.SourceFile>();
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowJs: true,
    checkJs: false,
    jsx: ts.JsxEmit.Preserve,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    noResolve: false,
    allowImportingTsExtensions: true,
    resolveJsonModule: false,
    // the ES library only: DOM/webworker declarations are large and never resolve to repository code
    lib: ['lib.es2022.d.ts'],
  };
  const libDir = path.dirname(ts.getDefaultLibFilePath(options));
  const realHost = ts.createCompilerHost(options, true);
  const host: ts.CompilerHost = {
    ...realHost,
    getCurrentDirectory: () => VIRTUAL_ROOT,
    fileExists: (f) => (f.startsWith(VIRTUAL_ROOT) ? texts.has(f) : f.startsWith(libDir) && realHost.fileExists(f)),
    readFile: (f) => (f.startsWith(VIRTUAL_ROOT) ? texts.get(f) : f.startsWith(libDir) ? realHost.readFile(f) : undefined),
    directoryExists: (d) => d.startsWith(VIRTUAL_ROOT) || d.startsWith(libDir),
    getDirectories: () => [],
    getSourceFile: (f, lang) => {
      const key = f.startsWith(VIRTUAL_ROOT) ? `${f}\0${hashes.get(f)}` : f;
      let sf = sourceFileCache.get(key);
      if (!sf) {
        const t = f.startsWith(VIRTUAL_ROOT) ? texts.get(f) : f.startsWith(libDir) ? realHost.readFile(f) : undefined;
        if (t === undefined) return undefined;
        sf = ts.createSourceFile(f, t, lang, false);
      }
      usedSourceFiles.set(key, sf);
      return sf;
    },
    writeFile: () => undefined,
  };
  const t0 = performance.now();
  const program = ts.createProgram({ rootNames: [...texts.keys()], options, host });
  const checker = program.getTypeChecker();
  sourceFileCache = usedSourceFiles;
  const t1 = performance.now();

  const defs: Definition[] = [];
  const declToId = new Map<ts.Node, string>();
  const idKinds = new Map<string, DefinitionKind>();
  const byShortName = new Map<string, string[]>();
  const unparsable: { file: string; reason: string }[] = [];
  const ours: { sf: ts.SourceFile; rel: string; module: string }[] = [];
  // class/interface declaration → its members by name, and the heritage graph between them
  const membersOf = new Map<ts.Node, Map<string, string>>();
  const children = new Map<ts.Node, ts.Node[]>();

  for (const sf of program.getSourceFiles()) {
    if (!sf.fileName.startsWith(VIRTUAL_ROOT)) continue;
    const rel = sf.fileName.slice(VIRTUAL_ROOT.length);
    const diags = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
    if (diags.length > 0) {
      const d = diags[0]!;
      const line = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start).line + 1 : '?';
      unparsable.push({ file: rel, reason: `syntax error near line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}` });
      continue;
    }
    ours.push({ sf, rel, module: moduleNameFor(rel, 'ts') });
  }

  const lineOf = (sf: ts.SourceFile, pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;
  // pass 1 records per file; the record is reused for the same SourceFile object (shared
  // between the base and head programs), so unchanged files are walked once per run
  let rec: FileDefinitions = { defs: [], decls: [], members: [] };
  const addDef = (node: ts.Node, id: string, kind: DefinitionKind, sf: ts.SourceFile, rel: string, span: ts.Node = node): void => {
    rec.decls.push([node, id]);
    rec.defs.push({ id, kind, file: rel, startLine: lineOf(sf, span.getStart(sf)), endLine: lineOf(sf, span.getEnd()) });
  };
  const replay = (r: FileDefinitions): void => {
    for (const [n, id] of r.decls) declToId.set(n, id);
    for (const [n, m] of r.members) membersOf.set(n, m);
    for (const d of r.defs) {
      if (idKinds.has(d.id)) continue;
      idKinds.set(d.id, d.kind);
      defs.push(d);
      if (d.kind === 'function' || d.kind === 'method') {
        const short = d.id.slice(d.id.lastIndexOf('.') + 1);
        let l = byShortName.get(short);
        if (!l) byShortName.set(short, (l = []));
        l.push(d.id);
      }
    }
  };

  const nameText = (n: ts.PropertyName | ts.BindingName | undefined): string | undefined => {
    if (!n) return undefined;
    if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
    return undefined;
  };
  const isFunctionLike = (n: ts.Node | undefined): n is ts.ArrowFunction | ts.FunctionExpression =>
    !!n && (ts.isArrowFunction(n) || ts.isFunctionExpression(n));

  // pass 1: definitions
  const tooDeep = new Set<ts.SourceFile>();
  for (const { sf, rel, module } of ours) {
    const known = definitionsCache.get(sf);
    if (known) {
      replay(known);
      continue;
    }
    rec = { defs: [], decls: [], members: [] };
    try {
      walkDefinitions(sf, rel, module);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      unparsable.push({ file: rel, reason: 'nesting too deep to analyse' });
      tooDeep.add(sf);
      continue;
    }
    definitionsCache.set(sf, rec);
    replay(rec);
  }
  function walkDefinitions(sf: ts.SourceFile, rel: string, module: string): void {
    addDef(sf, module, 'module', sf, rel);
    const visit = (node: ts.Node, scope: string, atModule: boolean): void => {
      const q = (name: string): string => (scope ? `${scope}.${name}` : name);
      if (ts.isFunctionDeclaration(node)) {
        const isDefault = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
        const name = node.name?.text ?? (isDefault ? 'default' : undefined);
        if (name && node.body) {
          const id = q(name);
          addDef(node, id, 'function', sf, rel);
          node.body.forEachChild((c) => visit(c, id, false));
          return;
        }
      } else if (ts.isClassDeclaration(node) || ts.isClassExpression(node) || ts.isInterfaceDeclaration(node)) {
        const isDefault = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
        let name = node.name?.text ?? (isDefault ? 'default' : undefined);
        if (!name && ts.isClassExpression(node) && ts.isVariableDeclaration(node.parent)) name = nameText(node.parent.name);
        if (name) {
          const cid = q(name);
          addDef(node, cid, 'class', sf, rel);
          const members = new Map<string, string>();
          rec.members.push([node, members]);
          for (const m of node.members) {
            let mname: string | undefined;
            let body: ts.Node | undefined;
            if (ts.isConstructorDeclaration(m)) {
              mname = 'constructor';
              body = m.body;
            } else if (ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m) || ts.isMethodSignature(m)) {
              mname = nameText(m.name);
              body = 'body' in m ? m.body : undefined;
            } else if (ts.isPropertyDeclaration(m) && isFunctionLike(m.initializer)) {
              mname = nameText(m.name);
              body = m.initializer;
              rec.decls.push([m.initializer, `${cid}.${mname}`]);
            } else if (ts.isPropertySignature(m) && m.type && ts.isFunctionTypeNode(m.type)) {
              mname = nameText(m.name);
            }
            if (!mname) {
              m.forEachChild((c) => visit(c, cid, false));
              continue;
            }
            const mid = `${cid}.${mname}`;
            addDef(m, mid, 'method', sf, rel);
            members.set(mname, mid);
            if (body) body.forEachChild((c) => visit(c, mid, false));
          }
          return;
        }
      } else if (ts.isVariableStatement(node) && atModule) {
        for (const d of node.declarationList.declarations) {
          const name = nameText(d.name);
          if (name && isFunctionLike(d.initializer)) {
            const id = q(name);
            addDef(d, id, 'function', sf, rel, node);
            rec.decls.push([d.initializer, id]);
            d.initializer.body.forEachChild((c) => visit(c, id, false));
          } else {
            if (name) addDef(d, q(name), 'binding', sf, rel, node);
            else for (const n of bindingNames(d.name)) addDef(n, q(n.text), 'binding', sf, rel, node);
            if (d.initializer) visitObjectLiteral(d.initializer, name ? q(name) : scope, sf, rel, visit, scope);
          }
        }
        return;
      } else if (ts.isVariableDeclaration(node) && !atModule) {
        const name = nameText(node.name);
        if (name && isFunctionLike(node.initializer)) {
          const id = q(name);
          addDef(node, id, 'function', sf, rel);
          rec.decls.push([node.initializer, id]);
          node.initializer.body.forEachChild((c) => visit(c, id, false));
          return;
        }
      } else if (ts.isImportDeclaration(node) && atModule && node.importClause) {
        const c = node.importClause;
        if (c.name) addDef(c.name, q(c.name.text), 'binding', sf, rel, node);
        const nb = c.namedBindings;
        if (nb && ts.isNamespaceImport(nb)) addDef(nb.name, q(nb.name.text), 'binding', sf, rel, node);
        if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) addDef(el.name, q(el.name.text), 'binding', sf, rel, node);
        return;
      } else if (ts.isExportAssignment(node) && atModule && isFunctionLike(node.expression)) {
        const id = q('default');
        addDef(node.expression, id, 'function', sf, rel, node);
        node.expression.body.forEachChild((c) => visit(c, id, false));
        return;
      } else if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body) && ts.isIdentifier(node.name)) {
        const id = q(node.name.text);
        node.body.forEachChild((c) => visit(c, id, atModule));
        return;
      }
      node.forEachChild((c) => visit(c, scope, false));
    };
    const visitObjectLiteral = (
      init: ts.Expression,
      objId: string,
      sf2: ts.SourceFile,
      rel2: string,
      v: (n: ts.Node, s: string, m: boolean) => void,
      scope: string,
    ): void => {
      if (!ts.isObjectLiteralExpression(init)) {
        init.forEachChild((c) => v(c, scope, false));
        return;
      }
      for (const p of init.properties) {
        const pname = nameText(p.name);
        if (pname && ts.isMethodDeclaration(p) && p.body) {
          addDef(p, `${objId}.${pname}`, 'method', sf2, rel2);
          p.body.forEachChild((c) => v(c, `${objId}.${pname}`, false));
        } else if (pname && ts.isPropertyAssignment(p) && isFunctionLike(p.initializer)) {
          addDef(p, `${objId}.${pname}`, 'method', sf2, rel2);
          rec.decls.push([p.initializer, `${objId}.${pname}`]);
          p.initializer.body.forEachChild((c) => v(c, `${objId}.${pname}`, false));
        } else p.forEachChild((c) => v(c, scope, false));
      }
    };
    sf.forEachChild((c) => visit(c, module, true));
  }
  // only names some repository definition carries can resolve to one; skip the checker for the rest
  const knownNames = new Set<string>();
  for (const id of idKinds.keys()) knownNames.add(id.slice(id.lastIndexOf('.') + 1));

  // heritage: parent type declaration → declarations that extend/implement it
  for (const [decl] of membersOf) {
    if (!ts.isClassLike(decl) && !ts.isInterfaceDeclaration(decl)) continue;
    for (const h of decl.heritageClauses ?? []) {
      for (const t of h.types) {
        for (const parent of declarationsOf(t.expression)) {
          let l = children.get(parent);
          if (!l) children.set(parent, (l = []));
          l.push(decl);
        }
      }
    }
  }

  function declarationsOf(expr: ts.Node): ts.Declaration[] {
    let sym = checker.getSymbolAtLocation(expr);
    if (!sym) return [];
    if (sym.flags & ts.SymbolFlags.Alias) {
      try {
        sym = checker.getAliasedSymbol(sym);
      } catch {
        return [];
      }
    }
    return sym.declarations ?? [];
  }

  function descendantsMembers(typeDecl: ts.Node, name: string, acc: Set<string>, seen = new Set<ts.Node>()): void {
    for (const c of children.get(typeDecl) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      const m = membersOf.get(c)?.get(name);
      if (m) acc.add(m);
      descendantsMembers(c, name, acc, seen);
    }
  }

  /** Definition ids a declaration stands for (a method also stands for its overrides). */
  function idsForDecl(decl: ts.Node, out: Set<string>): void {
    let id = declToId.get(decl);
    if (id === undefined && (ts.isFunctionExpression(decl) || ts.isArrowFunction(decl))) id = declToId.get(decl.parent);
    if (id === undefined && ts.isVariableDeclaration(decl) && decl.initializer) id = declToId.get(decl.initializer);
    if (id === undefined) return;
    out.add(id);
    const parent = decl.parent;
    if (parent && membersOf.has(parent) && (ts.isMethodDeclaration(decl) || ts.isMethodSignature(decl) || ts.isPropertyDeclaration(decl) || ts.isPropertySignature(decl))) {
      const name = nameText((decl as ts.MethodDeclaration).name);
      if (name) descendantsMembers(parent, name, out);
    }
    if (ts.isClassLike(decl)) {
      const ctor = membersOf.get(decl)?.get('constructor');
      if (ctor) out.add(ctor);
    }
  }

  const allCalls = new Map<string, Set<string>>();
  const allReads = new Map<string, Set<string>>();
  const edge = (m: Map<string, Set<string>>, from: string, to: string): void => {
    if (from === to) return;
    let s = m.get(from);
    if (!s) m.set(from, (s = new Set()));
    s.add(to);
  };

  /** Resolves what `expr` names: the alias itself (an import binding) and its final declarations. */
  function resolveSymbol(expr: ts.Node): { aliasDecls: ts.Declaration[]; decls: ts.Declaration[]; known: boolean } {
    let sym: ts.Symbol | undefined;
    try {
      sym = checker.getSymbolAtLocation(expr);
    } catch {
      sym = undefined;
    }
    if (!sym) return { aliasDecls: [], decls: [], known: false };
    const aliasDecls: ts.Declaration[] = [];
    if (sym.flags & ts.SymbolFlags.Alias) {
      aliasDecls.push(...(sym.declarations ?? []));
      try {
        sym = checker.getAliasedSymbol(sym);
      } catch {
        return { aliasDecls, decls: [], known: false };
      }
    }
    return { aliasDecls, decls: sym.declarations ?? [], known: (sym.declarations ?? []).length > 0 };
  }

  const aliasBindingId = (decl: ts.Declaration): string | undefined => {
    if (ts.isImportSpecifier(decl) || ts.isNamespaceImport(decl)) return declToId.get(decl.name);
    if (ts.isImportClause(decl) && decl.name) return declToId.get(decl.name);
    return undefined;
  };

  const t2 = performance.now();
  // pass 2: edges, per file; a file whose text and direct imports are unchanged reuses its edges
  const resolutionCache = ts.createModuleResolutionCache(VIRTUAL_ROOT, (x) => x, options);
  /** Repository files a file imports from (`reexportsOnly`: only those it re-exports from). */
  const importTargets = (sf: ts.SourceFile, reexportsOnly: boolean): string[] => {
    const out: string[] = [];
    for (const st of sf.statements) {
      const spec =
        (ts.isExportDeclaration(st) || (!reexportsOnly && ts.isImportDeclaration(st))) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)
          ? st.moduleSpecifier.text
          : !reexportsOnly && ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) && ts.isStringLiteral(st.moduleReference.expression)
            ? st.moduleReference.expression.text
            : undefined;
      if (spec === undefined) continue;
      const r = ts.resolveModuleName(spec, sf.fileName, options, host, resolutionCache).resolvedModule;
      if (r && r.resolvedFileName.startsWith(VIRTUAL_ROOT)) out.push(r.resolvedFileName);
    }
    return out;
  };
  // The key covers the file, the files it imports, and the files those re-export from (followed
  // through re-export chains), since a name imported through an index file resolves there.
  const edgeKey = (sf: ts.SourceFile): string => {
    const deps = new Set<string>();
    const queue = importTargets(sf, false);
    while (queue.length > 0) {
      const f = queue.pop()!;
      if (deps.has(f) || f === sf.fileName) continue;
      deps.add(f);
      const dep = program.getSourceFile(f);
      if (dep) queue.push(...importTargets(dep, true));
    }
    return createHash('sha1')
      .update(`${sf.fileName}:${hashes.get(sf.fileName)}\n${[...deps].sort().map((d) => `${d}:${hashes.get(d)}`).join('\n')}`)
      .digest('hex');
  };
  const merge = (into: Map<string, Set<string>>, from: Iterable<[string, Iterable<string>]>): void => {
    for (const [k, vs] of from) for (const v of vs) edge(into, k, v);
  };
  for (const { sf, rel } of ours) {
    if (tooDeep.has(sf)) continue;
    const key = edgeCache ? edgeKey(sf) : '';
    const cached = edgeCache?.get(key);
    if (cached) {
      merge(allCalls, cached.calls);
      merge(allReads, cached.reads);
      if (stats) stats.tsFilesReused++;
      continue;
    }
    if (stats) stats.tsFilesWalked++;
    const calls = new Map<string, Set<string>>();
    const reads = new Map<string, Set<string>>();
    const scopeOf = (node: ts.Node): string => {
      for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
        const id = declToId.get(n);
        if (id !== undefined && idKinds.get(id) !== 'binding' && idKinds.get(id) !== 'class') return id;
        if (ts.isSourceFile(n)) return declToId.get(n)!;
      }
      return '';
    };
    const recordReference = (from: string, expr: ts.Node, isCall: boolean): void => {
      const r = resolveSymbol(expr);
      for (const a of r.aliasDecls) {
        const b = aliasBindingId(a);
        if (b && idKinds.get(from) !== 'module') edge(reads, from, b);
      }
      let resolved = 0;
      for (const d of r.decls) {
        const out = new Set<string>();
        idsForDecl(d, out);
        for (const id of out) {
          const k = idKinds.get(id);
          if (k === 'binding') {
            if (idKinds.get(from) !== 'module') edge(reads, from, id);
          } else if (k === 'class') {
            if (isCall) edge(calls, from, id);
          } else if (k === 'function' || k === 'method') edge(calls, from, id);
          resolved++;
        }
      }
      if (isCall && !r.known && resolved === 0) {
        const name = ts.isPropertyAccessExpression(expr) ? expr.name.text : ts.isIdentifier(expr) ? expr.text : undefined;
        if (name) for (const id of byShortName.get(name) ?? []) edge(calls, from, id);
      }
    };
    const visit = (node: ts.Node): void => {
      if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
        const callee = node.expression;
        const from = scopeOf(node);
        const target = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
        if ((ts.isIdentifier(target) || ts.isPrivateIdentifier(target)) && knownNames.has(target.text)) recordReference(from, ts.isPropertyAccessExpression(callee) ? callee : target, true);
        // callbacks: repository functions passed as arguments
        for (const a of node.arguments ?? []) if (ts.isPropertyAccessExpression(a) && knownNames.has(a.name.text)) recordReference(from, a, false);
        if (ts.isPropertyAccessExpression(callee)) visit(callee.expression);
        else if (!ts.isIdentifier(callee)) visit(callee);
        for (const a of node.arguments ?? []) visit(a);
        return;
      } else if ((ts.isJsxOpeningElement(node) || ts.isJsxSelfClosingElement(node)) && knownNames.has(jsxName(node.tagName))) {
        // rendering <Component /> calls the component
        recordReference(scopeOf(node), node.tagName, true);
        for (const a of node.attributes.properties) visit(a);
        return;
      } else if (ts.isIdentifier(node)) {
        const p = node.parent;
        const isDeclName = p && (ts.isVariableDeclaration(p) || ts.isFunctionDeclaration(p) || ts.isClassDeclaration(p) || ts.isParameter(p) || ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p) || ts.isBindingElement(p)) && (p as ts.NamedDeclaration).name === node;
        const isMemberName = p && ts.isPropertyAccessExpression(p) && p.name === node;
        if (knownNames.has(node.text) && !isDeclName && !isMemberName && !(p && (ts.isImportSpecifier(p) || ts.isExportSpecifier(p)))) {
          recordReference(scopeOf(node), node, false);
        }
        return;
      }
      node.forEachChild(visit);
    };
    try {
      sf.forEachChild(visit);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      unparsable.push({ file: rel, reason: 'nesting too deep to analyse' });
      continue;
    }
    merge(allCalls, calls);
    merge(allReads, reads);
    edgeCache?.set(key, { calls: [...calls].map(([k, v]) => [k, [...v]]), reads: [...reads].map(([k, v]) => [k, [...v]]) });
  }

  if (process.env.BULWARK_GATE_TIMING) process.stderr.write(`ts: program ${Math.round(t1 - t0)} ms, definitions ${Math.round(t2 - t1)} ms, edges ${Math.round(performance.now() - t2)} ms\n`);
  return {
    defs,
    calls: [...allCalls].map(([k, v]) => [k, [...v]]),
    reads: [...allReads].map(([k, v]) => [k, [...v]]),
    unparsable,
  };
}

function jsxName(tag: ts.JsxTagNameExpression): string {
  if (ts.isIdentifier(tag)) return tag.text;
  if (ts.isPropertyAccessExpression(tag)) return tag.name.text;
  return '';
}

function bindingNames(name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  const out: ts.Identifier[] = [];
  for (const el of name.elements) if (!ts.isOmittedExpression(el)) out.push(...bindingNames(el.name));
  return out;
}
