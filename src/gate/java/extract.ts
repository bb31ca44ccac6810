import type { Node } from 'web-tree-sitter';
import type { FileFacts, ScopeFacts } from '../facts.js';
import { moduleNameFor } from '../facts.js';
import { withSyntaxTree } from '../treesitter.js';

const TYPE_DECLS = new Set(['class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration', 'annotation_type_declaration']);

function chainOf(node: Node): string | null {
  switch (node.type) {
    case 'identifier':
    case 'type_identifier':
      return node.text;
    case 'this':
      return 'this';
    case 'super':
      return 'super';
    case 'field_access': {
      const obj = node.childForFieldName('object');
      const field = node.childForFieldName('field');
      if (!obj || !field) return null;
      const left = chainOf(obj);
      return left === null ? `?.${field.text}` : `${left}.${field.text}`;
    }
    case 'scoped_identifier':
    case 'scoped_type_identifier':
      return node.text.replace(/\s+/g, '');
    case 'generic_type': {
      const t = node.namedChildren[0];
      return t ? chainOf(t) : null;
    }
    default:
      return null;
  }
}

/** Simple type name without generics/package: `java.util.List<X>` → List. */
function simpleType(node: Node | null): string | null {
  if (!node) return null;
  const c = chainOf(node);
  return c ? c.split('.').pop()! : null;
}

export async function extractJava(file: string, text: string): Promise<FileFacts> {
  return withSyntaxTree('java', text, (root) => {
    const lineCount = text.split('\n').length;
    const moduleScope: ScopeFacts = { name: '', kind: 'module', start: 1, end: lineCount, calls: [], refs: [] };
    const facts: FileFacts = { language: 'java', module: moduleNameFor(file, 'java'), lineCount, scopes: [moduleScope], classes: [], imports: [], bindings: [] };
    const line = (n: Node): number => n.startPosition.row + 1;
    const endLine = (n: Node): number => n.endPosition.row + 1;

    const visit = (node: Node, scope: ScopeFacts, cls: string | null): void => {
      if (TYPE_DECLS.has(node.type)) {
        const name = node.childForFieldName('name')?.text;
        if (name) {
          const local = cls ? `${cls}.${name}` : name;
          const bases: string[] = [];
          const sup = node.childForFieldName('superclass');
          if (sup) for (const t of sup.namedChildren) if (t && simpleType(t)) bases.push(simpleType(t)!);
          const ifaces = node.childForFieldName('interfaces') ?? node.namedChildren.find((c) => c?.type === 'extends_interfaces') ?? null;
          if (ifaces) for (const t of ifaces.descendantsOfType(['type_identifier', 'scoped_type_identifier', 'generic_type'])) {
            if (t && t.parent?.type !== 'generic_type' && t.parent?.type !== 'type_arguments' && !t.parent?.parent?.type.startsWith('type_arguments')) {
              const s = simpleType(t);
              if (s && !bases.includes(s)) bases.push(s);
            }
          }
          facts.classes.push({ name: local, bases, kind: node.type === 'interface_declaration' ? 'interface' : 'class' });
          const s: ScopeFacts = { name: local, kind: 'class', start: line(node), end: endLine(node), calls: [], refs: [] };
          facts.scopes.push(s);
          const body = node.childForFieldName('body');
          if (body) for (const c of body.namedChildren) if (c) visit(c, s, local);
          return;
        }
      }
      switch (node.type) {
        case 'package_declaration': {
          const n = node.namedChildren.find((c) => c !== null && (c.type === 'scoped_identifier' || c.type === 'identifier'));
          if (n) facts.package = n.text;
          return;
        }
        case 'import_declaration': {
          const n = node.namedChildren.find((c) => c !== null && (c.type === 'scoped_identifier' || c.type === 'identifier'));
          if (!n) return;
          const star = node.namedChildren.some((c) => c?.type === 'asterisk');
          facts.imports.push(star ? { local: '*', module: n.text, line: line(node) } : { local: n.text.split('.').pop()!, module: n.text, line: line(node) });
          return;
        }
        case 'method_declaration':
        case 'constructor_declaration':
        case 'compact_constructor_declaration': {
          if (!cls) break;
          const name = node.type === 'method_declaration' ? node.childForFieldName('name')?.text : '<init>';
          if (!name) break;
          const s: ScopeFacts = { name: `${cls}.${name}`, kind: 'method', start: line(node), end: endLine(node), className: cls, calls: [], refs: [] };
          facts.scopes.push(s);
          const body = node.childForFieldName('body');
          if (body) visit(body, s, cls);
          return;
        }
        case 'field_declaration':
        case 'constant_declaration': {
          if (cls) {
            for (const d of node.childrenForFieldName('declarator')) {
              const n = d?.childForFieldName('name');
              if (n) facts.bindings.push({ name: `${cls}.${n.text}`, start: line(node), end: endLine(node) });
            }
          }
          for (const d of node.childrenForFieldName('declarator')) {
            const v = d?.childForFieldName('value');
            if (v) visit(v, scope, cls);
          }
          return;
        }
        case 'method_invocation': {
          const obj = node.childForFieldName('object');
          const name = node.childForFieldName('name')?.text;
          if (name) {
            if (!obj) scope.calls.push(name);
            else {
              const c = chainOf(obj);
              scope.calls.push(c === null ? `?.${name}` : `${c}.${name}`);
              if (c === null) visit(obj, scope, cls);
            }
          }
          const args = node.childForFieldName('arguments');
          if (args) visit(args, scope, cls);
          return;
        }
        case 'explicit_constructor_invocation': {
          const ctor = node.childForFieldName('constructor');
          scope.calls.push(ctor?.type === 'super' ? 'super.<init>' : 'this.<init>');
          const args = node.childForFieldName('arguments');
          if (args) visit(args, scope, cls);
          return;
        }
        case 'object_creation_expression': {
          const t = simpleType(node.childForFieldName('type'));
          if (t) scope.calls.push(`new:${t}`);
          for (const c of node.namedChildren) if (c && c.type !== 'type_identifier' && c.type !== 'generic_type' && c.type !== 'scoped_type_identifier') visit(c, scope, cls);
          return;
        }
        case 'method_reference': {
          const parts = node.namedChildren.filter((c): c is Node => c !== null);
          const target = parts[0] ? chainOf(parts[0]) : null;
          const name = parts[parts.length - 1];
          if (target && name && parts.length > 1) scope.refs.push(`${target}.${name.text}`);
          return;
        }
        case 'field_access': {
          const c = chainOf(node);
          if (c && !c.startsWith('?')) scope.refs.push(c);
          else {
            const o = node.childForFieldName('object');
            if (o) visit(o, scope, cls);
          }
          return;
        }
        case 'identifier':
          scope.refs.push(node.text);
          return;
        default:
          break;
      }
      for (const c of node.namedChildren) if (c) visit(c, scope, cls);
    };
    visit(root, moduleScope, null);
    return facts;
  });
}
