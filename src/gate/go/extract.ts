import type { Node } from 'web-tree-sitter';
import type { FileFacts, ScopeFacts } from '../facts.js';
import { moduleNameFor } from '../facts.js';
import { withSyntaxTree } from '../treesitter.js';

function chainOf(node: Node): string | null {
  if (node.type === 'identifier' || node.type === 'field_identifier' || node.type === 'package_identifier' || node.type === 'type_identifier') return node.text;
  if (node.type === 'selector_expression') {
    const op = node.childForFieldName('operand');
    const field = node.childForFieldName('field');
    if (!op || !field) return null;
    const left = chainOf(op);
    return left === null ? `?.${field.text}` : `${left}.${field.text}`;
  }
  if (node.type === 'parenthesized_expression' || node.type === 'unary_expression') {
    const inner = node.namedChildren.find((c) => c !== null);
    return inner ? chainOf(inner) : null;
  }
  return null;
}

/** Receiver type name of a method: `(a *Account)` → Account, `(l List[T])` → List. */
function receiverType(recv: Node | null): string | null {
  if (!recv) return null;
  const decl = recv.namedChildren.find((c) => c?.type === 'parameter_declaration');
  let t = decl?.childForFieldName('type') ?? null;
  while (t && (t.type === 'pointer_type' || t.type === 'generic_type')) t = t.namedChildren.find((c) => c !== null && (c.type === 'type_identifier' || c.type === 'generic_type')) ?? null;
  return t && t.type === 'type_identifier' ? t.text : null;
}

export async function extractGo(file: string, text: string): Promise<FileFacts> {
  return withSyntaxTree('go', text, (root) => {
    const lineCount = text.split('\n').length;
    const moduleScope: ScopeFacts = { name: '', kind: 'module', start: 1, end: lineCount, calls: [], refs: [] };
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
    const facts: FileFacts = { language: 'go', module: moduleNameFor(file, 'go'), lineCount, scopes: [moduleScope], classes: [], imports: [], bindings: [], package: dir };
    const line = (n: Node): number => n.startPosition.row + 1;
    const endLine = (n: Node): number => n.endPosition.row + 1;

    const visit = (node: Node, scope: ScopeFacts): void => {
      switch (node.type) {
        case 'function_declaration':
        case 'method_declaration': {
          const name = node.childForFieldName('name')?.text;
          if (!name) break;
          const recv = node.type === 'method_declaration' ? receiverType(node.childForFieldName('receiver')) : null;
          const s: ScopeFacts = { name: recv ? `${recv}.${name}` : name, kind: recv ? 'method' : 'function', start: line(node), end: endLine(node), calls: [], refs: [] };
          if (recv) s.className = recv;
          facts.scopes.push(s);
          const body = node.childForFieldName('body');
          if (body) visit(body, s);
          return;
        }
        case 'type_spec': {
          const name = node.childForFieldName('name')?.text;
          const t = node.childForFieldName('type');
          if (name && t && (t.type === 'struct_type' || t.type === 'interface_type')) {
            const bases: string[] = [];
            // embedded fields/interfaces promote their methods
            for (const d of t.descendantsOfType(['field_declaration', 'type_elem'])) {
              if (!d) continue;
              if (d.type === 'field_declaration' && d.childForFieldName('name')) continue;
              const ty = d.type === 'field_declaration' ? d.childForFieldName('type') : d.namedChildren[0];
              if (ty) {
                const c = chainOf(ty.type === 'pointer_type' ? (ty.namedChildren[0] ?? ty) : ty);
                if (c) bases.push(c);
              }
            }
            facts.classes.push({ name, bases, kind: t.type === 'interface_type' ? 'interface' : 'struct' });
            facts.scopes.push({ name, kind: 'class', start: line(node), end: endLine(node), calls: [], refs: [] });
          }
          return;
        }
        case 'import_spec': {
          const p = node.childForFieldName('path')?.text.replace(/^["`]|["`]$/g, '');
          if (!p) return;
          const alias = node.childForFieldName('name')?.text;
          const local = alias ?? p.split('/').pop()!;
          if (local === '_') return;
          facts.imports.push({ local: local === '.' ? '*' : local, module: p, line: line(node) });
          if (local !== '.') facts.bindings.push({ name: local, start: line(node), end: endLine(node) });
          return;
        }
        case 'const_spec':
        case 'var_spec': {
          if (scope.kind === 'module') {
            for (const n of node.childrenForFieldName('name')) if (n) facts.bindings.push({ name: n.text, start: line(node), end: endLine(node) });
          }
          const v = node.childForFieldName('value');
          if (v) visit(v, scope);
          return;
        }
        case 'call_expression': {
          const fn = node.childForFieldName('function');
          if (fn) {
            const c = chainOf(fn);
            if (c !== null) {
              scope.calls.push(c);
              if (fn.type === 'selector_expression') {
                const op = fn.childForFieldName('operand');
                if (op && chainOf(op) === null) visit(op, scope);
              }
            } else visit(fn, scope);
          }
          const args = node.childForFieldName('arguments');
          if (args) visit(args, scope);
          return;
        }
        case 'selector_expression': {
          const c = chainOf(node);
          if (c && !c.startsWith('?')) scope.refs.push(c);
          else {
            const op = node.childForFieldName('operand');
            if (op) visit(op, scope);
          }
          return;
        }
        case 'identifier':
          scope.refs.push(node.text);
          return;
        default:
          break;
      }
      for (const c of node.namedChildren) if (c) visit(c, scope);
    };
    visit(root, moduleScope);
    return facts;
  });
}
