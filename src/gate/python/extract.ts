import type { Node } from 'web-tree-sitter';
import type { FileFacts, ImportFacts, ScopeFacts } from '../facts.js';
import { moduleNameFor } from '../facts.js';
import { withSyntaxTree } from '../treesitter.js';

/** Dotted chain of a callee/reference expression, or null when it is not a plain name chain. */
function chainOf(node: Node): string | null {
  switch (node.type) {
    case 'identifier':
      return node.text;
    case 'attribute': {
      const obj = node.childForFieldName('object');
      const attr = node.childForFieldName('attribute');
      if (!obj || !attr) return null;
      const left = chainOf(obj);
      return left === null ? `?.${attr.text}` : `${left}.${attr.text}`;
    }
    case 'call': {
      // `super().m`, and `Cls().m` (a method on a fresh instance): the resolver types the call
      const fn = node.childForFieldName('function');
      if (!fn) return null;
      if (fn.type === 'identifier' && fn.text === 'super') return 'super()';
      const c = chainOf(fn);
      return c === null || c.startsWith('?') || c.includes('()') ? null : `${c}()`;
    }
    default:
      return null;
  }
}

/** Resolves `from ..x import y` inside module `pkg.sub.mod` (file is a package when it is `__init__`). */
export function absoluteModule(current: string, isPackage: boolean, relative: string): string {
  const m = /^(\.*)(.*)$/.exec(relative)!;
  const dots = m[1]!.length;
  const rest = m[2]!;
  if (dots === 0) return rest;
  const parts = current.length > 0 ? current.split('.') : [];
  const pkg = isPackage ? parts : parts.slice(0, -1);
  const base = pkg.slice(0, Math.max(0, pkg.length - (dots - 1)));
  return [...base, ...(rest ? rest.split('.') : [])].join('.');
}

export async function extractPython(file: string, text: string): Promise<FileFacts> {
  return withSyntaxTree('python', text, (root) => {
    const module = moduleNameFor(file, 'python');
    const isPackage = /(^|\/)__init__\.py$/.test(file);
    const lineCount = text.split('\n').length;
    const moduleScope: ScopeFacts = { name: '', kind: 'module', start: 1, end: lineCount, calls: [], refs: [] };
    const facts: FileFacts = { language: 'python', module, lineCount, scopes: [moduleScope], classes: [], imports: [], bindings: [] };
    const scopeStack: { scope: ScopeFacts; isClass: boolean }[] = [{ scope: moduleScope, isClass: false }];

    const addImport = (imp: ImportFacts, atModule: boolean, start: number, end: number): void => {
      facts.imports.push(imp);
      if (atModule && imp.local !== '*') facts.bindings.push({ name: imp.local, start, end });
    };

    const visit = (node: Node): void => {
      const current = scopeStack[scopeStack.length - 1]!;
      switch (node.type) {
        case 'function_definition':
        case 'class_definition': {
          const nameNode = node.childForFieldName('name');
          if (!nameNode) break;
          const parentName = current.scope.name;
          const name = parentName ? `${parentName}.${nameNode.text}` : nameNode.text;
          const isClass = node.type === 'class_definition';
          const decorated = node.parent?.type === 'decorated_definition' ? node.parent : node;
          const scope: ScopeFacts = {
            name,
            kind: isClass ? 'class' : current.isClass ? 'method' : 'function',
            start: decorated.startPosition.row + 1,
            end: node.endPosition.row + 1,
            calls: [],
            refs: [],
          };
          if (!isClass && current.isClass) scope.className = parentName;
          facts.scopes.push(scope);
          if (isClass) {
            const bases: string[] = [];
            const sup = node.childForFieldName('superclasses');
            for (const b of sup?.namedChildren ?? []) {
              if (!b) continue;
              const c = chainOf(b);
              if (c) bases.push(c);
              else visit(b);
            }
            facts.classes.push({ name, bases });
          } else {
            // defaults and annotations evaluate in the enclosing scope
            const params = node.childForFieldName('parameters');
            if (params) visitParams(params);
          }
          // decorators run in the enclosing scope
          if (decorated !== node) for (const d of decorated.namedChildren) if (d && d.type === 'decorator') visit(d);
          scopeStack.push({ scope, isClass });
          const body = node.childForFieldName('body');
          if (body) visit(body);
          scopeStack.pop();
          return;
        }
        case 'decorated_definition': {
          const def = node.childForFieldName('definition');
          if (def) visit(def);
          return;
        }
        case 'call': {
          const fn = node.childForFieldName('function');
          if (fn) {
            const c = chainOf(fn);
            if (c !== null) {
              current.scope.calls.push(c);
              // the object of `a.b().c()` may itself contain calls
              if (fn.type === 'attribute') visitObject(fn);
            } else visit(fn);
          }
          const args = node.childForFieldName('arguments');
          if (args) visit(args);
          return;
        }
        case 'attribute': {
          const c = chainOf(node);
          if (c !== null && !c.startsWith('?')) current.scope.refs.push(c);
          visitObject(node);
          return;
        }
        case 'identifier':
          current.scope.refs.push(node.text);
          return;
        case 'keyword_argument': {
          const v = node.childForFieldName('value');
          if (v) visit(v);
          return;
        }
        case 'import_statement': {
          const atModule = current.scope.kind === 'module';
          const line = node.startPosition.row + 1;
          const end = node.endPosition.row + 1;
          for (const n of node.childrenForFieldName('name')) {
            if (!n) continue;
            if (n.type === 'aliased_import') {
              const mod = n.childForFieldName('name')!.text;
              addImport({ local: n.childForFieldName('alias')!.text, module: mod, line }, atModule, line, end);
            } else {
              const mod = n.text;
              // `import a.b.c` binds `a`; record the full module so `a.b.c.f` chains resolve
              addImport({ local: mod.split('.')[0]!, module: mod, line }, atModule, line, end);
            }
          }
          return;
        }
        case 'import_from_statement': {
          const atModule = current.scope.kind === 'module';
          const modNode = node.childForFieldName('module_name');
          const mod = absoluteModule(module, isPackage, modNode ? modNode.text : '');
          const line = node.startPosition.row + 1;
          const end = node.endPosition.row + 1;
          if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) {
            addImport({ local: '*', module: mod, line }, atModule, line, end);
            return;
          }
          for (const n of node.childrenForFieldName('name')) {
            if (!n) continue;
            if (n.type === 'aliased_import') {
              addImport({ local: n.childForFieldName('alias')!.text, module: mod, name: n.childForFieldName('name')!.text, line }, atModule, line, end);
            } else {
              addImport({ local: n.text.split('.').pop()!, module: mod, name: n.text, line }, atModule, line, end);
            }
          }
          return;
        }
        case 'expression_statement': {
          // module constants, and class attributes (`Cls.NAME`, read as self.NAME / Cls.NAME)
          if (current.scope.kind === 'module' || current.isClass) {
            const prefix = current.isClass ? `${current.scope.name}.` : '';
            for (const child of node.namedChildren) {
              if (child && (child.type === 'assignment' || child.type === 'augmented_assignment')) {
                for (const name of boundNames(child.childForFieldName('left'))) {
                  facts.bindings.push({ name: prefix + name, start: node.startPosition.row + 1, end: node.endPosition.row + 1 });
                }
              }
            }
          }
          break;
        }
        default:
          break;
      }
      for (const child of node.namedChildren) if (child) visit(child);
    };

    const visitObject = (attr: Node): void => {
      let obj = attr.childForFieldName('object');
      while (obj && obj.type === 'attribute') obj = obj.childForFieldName('object');
      if (obj && obj.type !== 'identifier') visit(obj);
    };

    const visitParams = (params: Node): void => {
      for (const p of params.namedChildren) {
        if (!p) continue;
        const d = p.childForFieldName('value');
        if (d) visit(d);
      }
    };

    visit(root);
    return facts;
  });
}

function boundNames(left: Node | null): string[] {
  if (!left) return [];
  if (left.type === 'identifier') return [left.text];
  if (left.type === 'pattern_list' || left.type === 'tuple_pattern' || left.type === 'list_pattern') {
    return left.namedChildren.flatMap((c) => (c ? boundNames(c) : []));
  }
  return [];
}
