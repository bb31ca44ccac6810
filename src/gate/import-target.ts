import type { GateLanguage } from './types.js';

/**
 * What an import statement binds a name to, read from the statement's text: `module\0name` for
 * `from module import name` or `import { name } from 'module'`, `module\0*` for the module itself.
 * Undefined when the text is not one import statement of a form read here, or does not bind the
 * name: the caller then treats any edit of the statement as a change of the binding.
 *
 * A binding of a multi-name import spans the whole statement, so adding one name to
 * `from frappe.utils import cint, getdate`, or wrapping it in parentheses, touches every name's
 * lines; comparing what each name is bound to in both revisions tells which bindings changed.
 */
export function importTarget(statement: string, language: GateLanguage, local: string): string | undefined {
  if (language === 'python') return pythonImportTarget(statement, local);
  if (language === 'ts' || language === 'js') return scriptImportTarget(statement, local);
  return undefined;
}

const DOTTED = /^\.*[A-Za-z_][\w.]*$|^\.+$/;
const NAME = /^[A-Za-z_]\w*$/;

function pythonImportTarget(statement: string, local: string): string | undefined {
  // comments to the end of a line and line continuations; an import holds no string literal
  const text = statement
    .replace(/#[^\n]*/g, '')
    .replace(/\\\n/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text.includes(';')) return undefined;
  const from = /^from (\S+) import (.+)$/.exec(text);
  if (from) {
    const module = from[1]!;
    let names = from[2]!.trim();
    if (names.startsWith('(')) {
      if (!names.endsWith(')')) return undefined;
      names = names.slice(1, -1);
    }
    if (!DOTTED.test(module)) return undefined;
    const found = new Set<string>();
    for (const item of names.split(',')) {
      const parts = item.trim().split(' ');
      if (parts.length === 1 && parts[0] === '') continue;
      const [name, as, alias] = parts;
      if (!name || !NAME.test(name) || (parts.length !== 1 && (parts.length !== 3 || as !== 'as' || !alias || !NAME.test(alias)))) return undefined;
      if ((alias ?? name) === local) found.add(`${module}\0${name}`);
    }
    return found.size === 1 ? [...found][0] : undefined;
  }
  const plain = /^import (.+)$/.exec(text);
  if (!plain) return undefined;
  const found = new Set<string>();
  for (const item of plain[1]!.split(',')) {
    const parts = item.trim().split(' ');
    const [module, as, alias] = parts;
    if (!module || !DOTTED.test(module) || module.startsWith('.') || (parts.length !== 1 && (parts.length !== 3 || as !== 'as' || !alias || !NAME.test(alias))))
      return undefined;
    // `import a.b` binds `a` (named `a` or `a.b` by the extractor), and makes `a.b` loaded: both
    // are what it stands for
    if (alias !== undefined ? alias === local : local === module || local === module.split('.')[0]) found.add(`${module}\0*`);
  }
  return found.size > 0 ? [...found].sort().join('\n') : undefined;
}

function scriptImportTarget(statement: string, local: string): string | undefined {
  // comments; a module specifier is one string literal, taken out first so no `//` in it is cut
  const spec = /(['"])([^'"\n]*)\1\s*\)?\s*;?\s*$/.exec(statement);
  if (!spec) return undefined;
  const head = statement
    .slice(0, spec.index)
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (/['"`;]/.test(head)) return undefined;
  const module = spec[2]!;
  // import x = require('m')
  const req = /^(?:export )?import (?:type )?([A-Za-z_$][\w$]*) = require ?\($/.exec(head);
  if (req) return req[1] === local ? `${module}\0=` : undefined;
  const m = /^import (type )?(.*) from$/.exec(head);
  if (!m) return undefined;
  const typeOnly = m[1] ? 'type:' : '';
  let clause = m[2]!.trim();
  const found = new Set<string>();
  const named = /\{([^{}]*)\}$/.exec(clause);
  if (named) {
    clause = clause.slice(0, named.index).trim().replace(/,$/, '').trim();
    for (const item of named[1]!.split(',')) {
      const parts = item.trim().split(' ');
      if (parts.length === 1 && parts[0] === '') continue;
      const kind = parts[0] === 'type' && parts.length > 1 ? 'type:' : '';
      if (kind) parts.shift();
      const [name, as, alias] = parts;
      if (!name || (parts.length !== 1 && (parts.length !== 3 || as !== 'as' || !alias))) return undefined;
      if ((alias ?? name) === local) found.add(`${typeOnly || kind}${module}\0${name}`);
    }
  }
  for (const part of clause === '' ? [] : clause.split(',')) {
    const p = part.trim();
    const ns = /^\* as ([A-Za-z_$][\w$]*)$/.exec(p);
    if (ns) {
      if (ns[1] === local) found.add(`${typeOnly}${module}\0*`);
    } else if (/^[A-Za-z_$][\w$]*$/.test(p)) {
      if (p === local) found.add(`${typeOnly}${module}\0default`);
    } else return undefined;
  }
  return found.size === 1 ? [...found][0] : undefined;
}
