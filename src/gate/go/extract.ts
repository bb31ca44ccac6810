import type { Node } from 'web-tree-sitter';
import type { FileFacts, ScopeFacts } from '../facts.js';
import { moduleNameFor, nameRecord, ownEntry } from '../facts.js';
import { withSyntaxTree } from '../treesitter.js';
import type { GoBody, GoExpr, GoFileFacts, GoLocal, GoSig, GoType, GoTypeDecl } from './facts.js';
import { STD_FIELD_NAMES } from './stdlib.js';

// comments are skipped where they are visited (reading every child's type costs a call into the parser)
const named = (n: Node | null): Node[] => (n ? n.namedChildren.filter((c): c is Node => c !== null) : []);

/** A written type; pointers are dropped (method sets and fields are looked up the same way). */
function typeOf(node: Node | null): GoType | null {
  if (!node) return null;
  switch (node.type) {
    case 'type_identifier':
      return { k: 'n', n: node.text };
    case 'qualified_type': {
      const pkg = node.childForFieldName('package')?.text;
      const name = node.childForFieldName('name')?.text;
      return pkg && name ? { k: 'n', n: name, q: pkg } : null;
    }
    case 'generic_type':
      return typeOf(node.childForFieldName('type'));
    case 'pointer_type':
    case 'parenthesized_type':
      return typeOf(named(node)[0] ?? null);
    case 'slice_type':
    case 'array_type':
    case 'implicit_length_array_type':
      return { k: 'e', e: typeOf(node.childForFieldName('element')) };
    case 'map_type':
      return { k: 'e', e: typeOf(node.childForFieldName('value')) };
    case 'channel_type':
      return { k: 'e', e: typeOf(node.childForFieldName('value')) };
    case 'function_type': {
      const sig = signatureOf(node.childForFieldName('parameters'), node.childForFieldName('result'));
      const t: GoType = { k: 'f', p: sig.params, r: sig.results };
      if (sig.variadic) t.v = true;
      return t;
    }
    default:
      return null;
  }
}

/** Parameter names (null for unnamed) and types of a parameter list. */
function paramsOf(list: Node | null): { names: (string | null)[]; types: (GoType | null)[]; variadic: boolean } {
  const names: (string | null)[] = [];
  const types: (GoType | null)[] = [];
  let variadic = false;
  for (const d of named(list)) {
    if (d.type !== 'parameter_declaration' && d.type !== 'variadic_parameter_declaration') continue;
    const t = typeOf(d.childForFieldName('type'));
    if (d.type === 'variadic_parameter_declaration') variadic = true;
    const ns = d.childrenForFieldName('name').filter((n): n is Node => n !== null);
    if (ns.length === 0) {
      names.push(null);
      types.push(d.type === 'variadic_parameter_declaration' ? { k: 'e', e: t } : t);
    }
    for (const n of ns) {
      names.push(n.text);
      types.push(d.type === 'variadic_parameter_declaration' ? { k: 'e', e: t } : t);
    }
  }
  return { names, types, variadic };
}

function signatureOf(params: Node | null, result: Node | null): GoSig & { names: (string | null)[] } {
  const p = paramsOf(params);
  const results = result === null ? [] : result.type === 'parameter_list' ? paramsOf(result).types : [typeOf(result)];
  const sig: GoSig & { names: (string | null)[] } = { params: p.types, results, names: p.names };
  if (p.variadic) sig.variadic = true;
  return sig;
}

/** Receiver type name of a method: `(a *Account)` → Account, `(l List[T])` → List. */
function receiverType(recv: Node | null): string | null {
  if (!recv) return null;
  const decl = recv.namedChildren.find((c) => c?.type === 'parameter_declaration');
  let t = decl?.childForFieldName('type') ?? null;
  while (t && (t.type === 'pointer_type' || t.type === 'generic_type' || t.type === 'parenthesized_type'))
    t = t.namedChildren.find((c) => c !== null && (c.type === 'type_identifier' || c.type === 'generic_type' || c.type === 'pointer_type')) ?? null;
  return t && t.type === 'type_identifier' ? t.text : null;
}

const newBody = (): GoBody => ({ locals: nameRecord(), calls: [], refs: [] });

/** Predeclared types that hold no function, also as a container's elements (`error`, `[]string`, `map[string]int`). */
const DATA_TYPES = new Set(
  'bool byte complex128 complex64 error float32 float64 int int16 int32 int64 int8 rune string uint uint16 uint32 uint64 uint8 uintptr'.split(' '),
);
function dataType(t: GoType | null | undefined): boolean {
  if (!t) return false;
  if (t.k === 'e') return dataType(t.e);
  return t.k === 'n' && t.q === undefined && DATA_TYPES.has(t.n);
}
const refKeys = new WeakMap<GoBody, Set<string>>();
const addRef = (body: GoBody, e: GoExpr, key: string | undefined): void => {
  if (key !== undefined) {
    let keys = refKeys.get(body);
    if (!keys) refKeys.set(body, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
  }
  body.refs.push(e);
};
const addLocal = (b: { [k: string]: GoLocal[] }, name: string, l: GoLocal): void => {
  if (name === '_') return;
  (b[name] ??= []).push(l);
};

export async function extractGo(file: string, text: string): Promise<FileFacts> {
  return withSyntaxTree('go', text, (root) => {
    const lineCount = text.split('\n').length;
    const moduleScope: ScopeFacts = { name: '', kind: 'module', start: 1, end: lineCount, calls: [], refs: [] };
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
    const go: GoFileFacts = { types: nameRecord(), funcs: nameRecord(), vars: nameRecord(), bodies: nameRecord() };
    go.bodies[''] = newBody();
    const facts: FileFacts = {
      language: 'go',
      module: moduleNameFor(file, 'go'),
      lineCount,
      scopes: [moduleScope],
      classes: [],
      imports: [],
      bindings: [],
      package: dir,
      go,
    };
    const line = (n: Node): number => n.startPosition.row + 1;
    const endLine = (n: Node): number => n.endPosition.row + 1;

    /** The expression tree of `node`; calls and references inside it are recorded into `body`. */
    const expr = (node: Node | null, body: GoBody, asRef = true, type = node?.type): GoExpr | null => {
      if (!node) return null;
      switch (type) {
        case 'identifier': {
          const e: GoExpr = { k: 'id', n: node.text };
          if (asRef) addRef(body, e, node.text);
          return e;
        }
        case 'selector_expression': {
          // one marshalling of the children instead of one per field: `operand . field`
          const parts = named(node);
          const field = parts[parts.length - 1]?.text;
          const operand = parts.length > 1 ? parts[0]! : null;
          const x = expr(operand, body, false);
          if (!field) return null;
          const e: GoExpr = { k: 'sel', x, n: field };
          // a plain chain (`a.b.c`) is one reference however often it is written
          if (asRef) addRef(body, e, operand && /^[\w.]+$/.test(operand.text) ? `${operand.text}.${field}` : undefined);
          return e;
        }
        case 'call_expression': {
          // `function [type_arguments] arguments`
          const parts = named(node);
          const fnNode = parts[0] ?? null;
          const last = parts[parts.length - 1];
          const argNodes = last?.type === 'argument_list' ? named(last).filter((n) => n.type !== 'comment') : [];
          // new(T) / make(T, …): the first argument is a type
          if (fnNode?.type === 'identifier' && (fnNode.text === 'new' || fnNode.text === 'make') && argNodes[0]) {
            const a0 = argNodes[0];
            const op = a0.type === 'selector_expression' ? a0.childForFieldName('operand') : null;
            const t =
              a0.type === 'identifier'
                ? ({ k: 'n', n: a0.text } as const)
                : a0.type === 'selector_expression' && op?.type === 'identifier'
                  ? ({ k: 'n', n: a0.childForFieldName('field')?.text ?? '', q: op.text } as const)
                  : typeOf(a0);
            for (const a of argNodes.slice(1)) expr(a, body);
            body.calls.push({ f: { k: 'id', n: fnNode.text }, a: [] });
            return { k: 'lit', t };
          }
          const f = expr(fnNode, body, false);
          let spread = false;
          const a = argNodes.map((n) => {
            if (n.type === 'variadic_argument') {
              spread = true;
              return expr(named(n)[0] ?? null, body);
            }
            return n.type.endsWith('_type') ? { k: 'lit' as const, t: typeOf(n) } : expr(n, body);
          });
          // a call keeps of its arguments what resolution reads: names and selectors (function values
          // passed on), and whatever types a value (literals, calls, elements), since the standard
          // library calls methods of the values handed to it; a function literal's body is already
          // the enclosing function's. Only append's first argument types the call's result
          const kept = a.map((x) => (x?.k === 'fn' ? null : x));
          body.calls.push(spread ? { f, a: kept, s: true } : { f, a: kept });
          // `run(map[string]Fee{"card": fee}, k)`: the parameter holds the literal's elements
          const c = body.calls.length - 1;
          argNodes.forEach((n, i) => {
            if (isLiteral(n)) hold(body, { c, i }, n);
          });
          return { k: 'call', f, a: fnNode?.type === 'identifier' && fnNode.text === 'append' ? a.slice(0, 1) : [] };
        }
        case 'composite_literal': {
          const t = typeOf(node.childForFieldName('type'));
          const lit = node.childForFieldName('body');
          walk(lit, body);
          if (t?.k === 'n') {
            const elements = named(lit);
            // `Book{chargeCard}`: positional elements are the struct's fields in order (resolution
            // tells a struct from a named map or slice, whose elements these are not)
            if (!elements.some((el) => el.type === 'keyed_element'))
              elements.forEach((el, i) => {
                const value = el.type === 'literal_element' ? named(el)[0] : undefined;
                if (!value) return;
                if (value.type === 'identifier' || value.type === 'selector_expression')
                  (body.stores ??= []).push({ t, f: i, v: expr(value, newBody(), false) });
                else hold(body, { t, f: i }, value);
              });
            for (const el of elements) {
              if (el.type !== 'keyed_element') continue;
              const key = named(el.childForFieldName('key'))[0];
              const value = named(el.childForFieldName('value'))[0];
              // a function literal stored there is analysed where it is written; only named functions matter
              // here, and any value stored into a library struct's field the library calls (`http.Server{Handler: h}`)
              const kept =
                value && (value.type === 'identifier' || value.type === 'selector_expression' || (t.q !== undefined && STD_FIELD_NAMES.has(key?.text ?? '')));
              if (key?.type === 'identifier' && value && kept) {
                (body.stores ??= []).push({ t, f: key.text, v: expr(value, newBody(), false) });
              } else if (key?.type === 'identifier' && value && !kept) hold(body, { t, f: key.text }, value);
            }
          }
          return { k: 'lit', t };
        }
        case 'type_conversion_expression': {
          const type = node.childForFieldName('type');
          const base = type?.type === 'generic_type' ? type.childForFieldName('type') : null;
          if (base?.type === 'type_identifier' || base?.type === 'qualified_type') {
            // `handlers[kind](amount)`, `s.fees[k](x)`: the grammar cannot tell an index and a call from a
            // conversion to an instantiated generic type (or a call of a generic function), so it is read
            // as a call of the element; resolution knows which the name is (an element of a type or a
            // generic function is the type or function itself)
            const x: GoExpr =
              base.type === 'type_identifier'
                ? { k: 'id', n: base.text }
                : { k: 'sel', x: { k: 'id', n: base.childForFieldName('package')?.text ?? '' }, n: base.childForFieldName('name')?.text ?? '' };
            if (x.k === 'id') addRef(body, x, x.n);
            else addRef(body, x, `${base.childForFieldName('package')?.text}.${x.n}`);
            for (const el of named(type!.childForFieldName('type_arguments'))) {
              const t = named(el)[0];
              if (t?.type === 'type_identifier') addRef(body, { k: 'id', n: t.text }, t.text);
            }
            const f: GoExpr = { k: 'elem', x };
            const a = expr(node.childForFieldName('operand'), body);
            body.calls.push({ f, a: [a?.k === 'fn' ? null : a] });
            return { k: 'call', f, a: [] };
          }
          expr(node.childForFieldName('operand'), body);
          return { k: 'lit', t: typeOf(type) };
        }
        case 'type_assertion_expression': {
          expr(node.childForFieldName('operand'), body);
          return { k: 'lit', t: typeOf(node.childForFieldName('type')) };
        }
        case 'index_expression': {
          walk(node.childForFieldName('index'), body);
          return { k: 'elem', x: expr(node.childForFieldName('operand'), body) };
        }
        case 'slice_expression': {
          for (const f of ['start', 'end', 'capacity']) walk(node.childForFieldName(f), body);
          return expr(node.childForFieldName('operand'), body, asRef);
        }
        case 'parenthesized_expression':
          return expr(named(node)[0] ?? null, body, asRef);
        case 'unary_expression': {
          const op = node.childForFieldName('operator')?.text;
          const x = expr(node.childForFieldName('operand'), body, asRef);
          if (op === '<-') return { k: 'elem', x };
          return op === '&' || op === '*' ? x : null;
        }
        case 'func_literal': {
          const sig = signatureOf(node.childForFieldName('parameters'), node.childForFieldName('result'));
          // the literal's parameters are locals of the enclosing body; its calls are the enclosing function's
          sig.names.forEach((n, i) => {
            if (n) addLocal(body.locals, n, { t: sig.params[i] ?? null });
          });
          literalDepth++;
          walk(node.childForFieldName('body'), body);
          literalDepth--;
          const t: GoType = { k: 'f', p: sig.params, r: sig.results };
          return { k: 'fn', t };
        }
        // types in expression position (method expressions `T.M`, conversions `T(x)`)
        case 'type_identifier':
        case 'qualified_type':
        case 'pointer_type':
        case 'generic_type':
          return { k: 'lit', t: typeOf(node) };
        default:
          walk(node, body);
          return null;
      }
    };
    /**
     * The function values `node` holds as a whole or as an element: a name or selector, each call
     * and reference of a function literal's body, the elements of a composite literal (nested
     * ones too). Walked into throwaway bodies: the enclosing body has recorded them already.
     */
    const heldValues = (node: Node | null, out: GoExpr[] = [], depth = 0): GoExpr[] => {
      if (!node || depth > 8) return out;
      switch (node.type) {
        case 'identifier':
        case 'selector_expression': {
          const e = expr(node, newBody(), false);
          if (e) out.push(e);
          return out;
        }
        case 'parenthesized_expression':
        case 'literal_element':
          return heldValues(named(node)[0] ?? null, out, depth);
        case 'func_literal': {
          const inner = newBody();
          literalDepth++;
          walk(node.childForFieldName('body'), inner);
          literalDepth--;
          for (const c of inner.calls) if (c.f) out.push(c.f);
          out.push(...inner.refs);
          return out;
        }
        case 'composite_literal':
          return heldValues(node.childForFieldName('body'), out, depth + 1);
        case 'literal_value':
          for (const el of named(node)) {
            if (el.type === 'keyed_element') heldValues(el.childForFieldName('value') ?? named(el).at(-1) ?? null, out, depth + 1);
            else heldValues(el, out, depth + 1);
          }
          return out;
        default:
          return out;
      }
    };
    /** Records what `place` comes to hold from `value` (see GoBody.holds). */
    type Place = Omit<NonNullable<GoBody['holds']>[number], 'v'>;
    const hold = (body: GoBody, place: Place, value: Node): void => {
      for (const v of heldValues(value)) (body.holds ??= []).push({ ...place, v });
    };
    /** Whether a value node is a composite literal (or its address): a container whose elements a local keeps as a place. */
    const isLiteral = (n: Node | null): boolean => {
      while (n && (n.type === 'parenthesized_expression' || (n.type === 'unary_expression' && n.childForFieldName('operator')?.text === '&')))
        n = n.type === 'parenthesized_expression' ? (named(n)[0] ?? null) : n.childForFieldName('operand');
      return n?.type === 'composite_literal';
    };
    /** how many function literals the walk is inside (their `return`s are theirs) */
    let literalDepth = 0;
    /** the declared results of the function whose body is walked */
    let results: (GoType | null)[] = [];
    /**
     * `return v, …` in a function's own body (not a function literal's): what each result holds,
     * unless it is declared a predeclared data type. A name, selector, call or element is kept
     * whole (what it holds is looked up where the function is resolved); a literal as its elements.
     */
    const holdReturned = (body: GoBody, node: Node): void => {
      named(node.namedChildren.find((c) => c?.type === 'expression_list') ?? null).forEach((v, r) => {
        if (dataType(results[r])) return;
        let inner: Node | null = v;
        while (inner?.type === 'parenthesized_expression') inner = named(inner)[0] ?? null;
        if (!inner) return;
        if (inner.type === 'identifier' || inner.type === 'selector_expression' || inner.type === 'call_expression' || inner.type === 'index_expression') {
          const e = expr(inner, newBody(), false);
          if (e && !(e.k === 'id' && (e.n === 'nil' || e.n === 'true' || e.n === 'false'))) (body.holds ??= []).push({ r, v: e });
        } else hold(body, { r }, inner);
      });
    };
    /**
     * `P = v`, `P[k] = v`, `P = append(P, v…)` with P a package variable or a field (`x.f`): what P
     * holds. A field given a plain name or selector is a store (see GoBody.stores). A local is a
     * place only for what enters it as an element (`m[k] = f`, `m = append(m, f)`, `(*p)[k] = f`)
     * or a literal's elements: its other values are followed where it is used.
     */
    const holdAssigned = (body: GoBody, left: Node, right: Node): void => {
      let l: Node | null = left;
      let indexed = false;
      while (
        l &&
        (l.type === 'index_expression' ||
          l.type === 'parenthesized_expression' ||
          (l.type === 'unary_expression' && l.childForFieldName('operator')?.text === '*'))
      ) {
        indexed ||= l.type === 'index_expression';
        l = l.type === 'index_expression' || l.type === 'unary_expression' ? l.childForFieldName('operand') : (named(l)[0] ?? null);
      }
      if (!l || (l.type !== 'identifier' && l.type !== 'selector_expression')) return;
      if (l.type === 'identifier' && l.text === '_') return;
      const fn = right.type === 'call_expression' ? right.childForFieldName('function') : null;
      const appended = fn?.type === 'identifier' && fn.text === 'append';
      if (l.type === 'identifier' && ownEntry(body.locals, l.text)) {
        if (!indexed && !appended && !isLiteral(right)) return;
        const place = { l: l.text };
        if (appended)
          for (const a of named(right.childForFieldName('arguments'))
            .filter((n) => n.type !== 'comment')
            .slice(1))
            hold(body, place, a.type === 'variadic_argument' ? (named(a)[0] ?? a) : a);
        else hold(body, place, right);
        return;
      }
      const plain = right.type === 'identifier' || right.type === 'selector_expression';
      // `x.f = fee` into a field is a store (GoBody.stores); into another package's variable a hold
      const operand = l.type === 'selector_expression' ? l.childForFieldName('operand') : null;
      if (operand && !indexed && plain && !(operand.type === 'identifier' && facts.imports.some((i) => i.local === operand.text))) return;
      let value: Node | null = right;
      if (appended) {
        const args = named(right.childForFieldName('arguments')).filter((n) => n.type !== 'comment');
        const place = { x: expr(l, newBody(), false) };
        for (const a of args.slice(1)) hold(body, place, a.type === 'variadic_argument' ? (named(a)[0] ?? a) : a);
        return;
      }
      if (value.type === 'unary_expression' && value.childForFieldName('operator')?.text === '&') value = value.childForFieldName('operand');
      if (value) hold(body, { x: expr(l, newBody(), false) }, value);
    };
    const declare = (lefts: Node[], rights: Node[], body: GoBody, declared: GoType | null, target: Record<string, GoLocal[]>): void => {
      const values = rights.map((r) => expr(r, body));
      lefts.forEach((l, i) => {
        if (l.type !== 'identifier') {
          expr(l, body);
          return;
        }
        // `m := map[string]Fee{"card": fee}` in a function: the local holds the literal's elements
        const right = rights.length === lefts.length ? rights[i] : undefined;
        if (target === body.locals && right && l.text !== '_' && isLiteral(right)) hold(body, { l: l.text }, right);
        let local: GoLocal;
        if (declared) local = { t: declared };
        else if (rights.length === lefts.length) local = { v: values[i] ?? null };
        else if (rights.length === 1) local = { v: { k: 'res', x: values[0] ?? null, i } };
        else local = { v: null };
        addLocal(target, l.text, local);
      });
    };

    /** Statements and expressions: every call, reference and local declaration into `body`. */
    const walk = (node: Node | null, body: GoBody): void => {
      if (!node) return;
      const type = node.type;
      switch (type) {
        case 'call_expression':
        case 'composite_literal':
        case 'type_conversion_expression':
        case 'type_assertion_expression':
        case 'index_expression':
        case 'slice_expression':
        case 'unary_expression':
        case 'parenthesized_expression':
        case 'func_literal':
        case 'identifier':
        case 'selector_expression':
          expr(node, body, true, type);
          return;
        case 'keyed_element': {
          // `{Name: value}`: a bare key is a field name, not a reference
          const parts = named(node);
          const key = parts[0];
          const keyInner = key?.type === 'literal_element' ? named(key)[0] : key;
          if (keyInner && keyInner.type !== 'identifier' && keyInner.type !== 'field_identifier') walk(key ?? null, body);
          for (const p of parts.slice(1)) walk(p, body);
          return;
        }
        case 'short_var_declaration':
          declare(named(node.childForFieldName('left')), named(node.childForFieldName('right')), body, null, body.locals);
          return;
        case 'var_spec':
        case 'const_spec': {
          const names = node.childrenForFieldName('name').filter((n): n is Node => n !== null);
          declare(names, named(node.childForFieldName('value')), body, typeOf(node.childForFieldName('type')), body.locals);
          return;
        }
        case 'assignment_statement': {
          const lefts = named(node.childForFieldName('left'));
          const rights = named(node.childForFieldName('right'));
          const op = node.childForFieldName('operator')?.text;
          const values = rights.map((r) => expr(r, body));
          lefts.forEach((l, i) => {
            const v = rights.length === lefts.length ? values[i] : null;
            if (op === '=' && rights.length === lefts.length) holdAssigned(body, l, rights[i]!);
            // `x = v` adds a possible value to a local declared earlier in the body
            if (op === '=' && l.type === 'identifier' && ownEntry(body.locals, l.text) && v) addLocal(body.locals, l.text, { v });
            else if (
              op === '=' &&
              l.type === 'selector_expression' &&
              v &&
              (v.k === 'id' || v.k === 'sel' || STD_FIELD_NAMES.has(named(l).at(-1)?.text ?? ''))
            ) {
              // `x.f = fee`: a function stored into a field (or a value into a field the library calls, `srv.Handler = h`)
              const parts = named(l);
              const field = parts[parts.length - 1]?.text;
              if (field) (body.stores ??= []).push({ x: expr(parts.length > 1 ? parts[0]! : null, body, false), f: field, v });
            } else walk(l, body);
          });
          return;
        }
        case 'range_clause': {
          const lefts = named(node.childForFieldName('left'));
          const x = expr(node.childForFieldName('right'), body);
          const isDecl = node.children.some((c) => c?.type === ':=');
          lefts.forEach((l, i) => {
            if (l.type === 'identifier' && (isDecl || ownEntry(body.locals, l.text))) addLocal(body.locals, l.text, { v: i === 1 ? { k: 'elem', x } : null });
            else walk(l, body);
          });
          return;
        }
        case 'return_statement':
          if (literalDepth === 0) holdReturned(body, node);
          for (const c of node.namedChildren) if (c) walk(c, body);
          return;
        case 'type_switch_statement': {
          walk(node.childForFieldName('initializer'), body);
          const alias = named(node.childForFieldName('alias'))[0];
          const value = expr(node.childForFieldName('value'), body);
          for (const c of named(node)) {
            if (c.type === 'type_case' || c.type === 'default_case') {
              if (alias?.type === 'identifier') {
                const types = c.type === 'type_case' ? c.childrenForFieldName('type').filter((t): t is Node => t !== null && t.type !== ',') : [];
                if (types.length === 1) addLocal(body.locals, alias.text, { t: typeOf(types[0]!) });
                else addLocal(body.locals, alias.text, { v: value });
              }
              for (const s of named(c)) if (s.type !== 'type_case' && !c.childrenForFieldName('type').some((t) => t?.id === s.id)) walk(s, body);
            }
          }
          return;
        }
        case 'field_identifier':
        case 'package_identifier':
        case 'type_identifier':
        case 'label_name':
        case 'interpreted_string_literal':
        case 'raw_string_literal':
        case 'int_literal':
        case 'float_literal':
        case 'imaginary_literal':
        case 'rune_literal':
        case 'true':
        case 'false':
        case 'nil':
        case 'iota':
        case 'comment':
          return;
        default:
          for (const c of node.namedChildren) if (c) walk(c, body);
      }
    };

    const typeDecl = (node: Node): void => {
      const name = node.childForFieldName('name')?.text;
      const t = node.childForFieldName('type');
      if (!name || !t) return;
      const decl: GoTypeDecl = { kind: t.type === 'struct_type' ? 'struct' : t.type === 'interface_type' ? 'interface' : 'other' };
      const bases: string[] = [];
      if (t.type === 'struct_type') {
        decl.fields = [];
        for (const d of t.descendantsOfType('field_declaration')) {
          if (!d || d.parent?.parent?.id !== t.id) continue;
          const ft = typeOf(d.childForFieldName('type'));
          const names = d.childrenForFieldName('name').filter((n): n is Node => n !== null);
          if (names.length === 0) {
            decl.fields.push({ t: ft });
            if (ft?.k === 'n') bases.push(ft.q ? `${ft.q}.${ft.n}` : ft.n);
          } else for (const n of names) decl.fields.push({ n: n.text, t: ft });
        }
      } else if (t.type === 'interface_type') {
        decl.methods = [];
        decl.embeds = [];
        for (const m of named(t)) {
          if (m.type === 'method_elem' || m.type === 'method_spec') {
            const n = m.childForFieldName('name')?.text;
            const { params, results, variadic } = signatureOf(m.childForFieldName('parameters'), m.childForFieldName('result'));
            if (n) decl.methods.push({ n, sig: variadic ? { params, results, variadic } : { params, results } });
          } else if (m.type === 'type_elem') {
            const et = typeOf(named(m)[0] ?? null);
            decl.embeds.push(et);
            if (et?.k === 'n') bases.push(et.q ? `${et.q}.${et.n}` : et.n);
          }
        }
      } else decl.under = typeOf(t);
      go.types[name] = decl;
      if (decl.kind !== 'other') {
        facts.classes.push({ name, bases, kind: decl.kind });
        facts.scopes.push({ name, kind: 'class', start: line(node), end: endLine(node), calls: [], refs: [] });
      }
    };

    /**
     * Each name's initializer walked again into a body of its own: `var a, b = f(), g()` gives a
     * f and b g, `var x, y = f()` both f (a closure's calls in it are the initializer's, as a
     * function's are its own). The package-level body keeps them all too.
     */
    const initializers = (names: Node[], values: Node[]): void => {
      if (values.length === 0) return;
      names.forEach((n, i) => {
        if (n.type !== 'identifier' || n.text === '_') return;
        const body = newBody();
        for (const v of values.length === names.length ? [values[i]!] : values) walk(v, body);
        // a literal calls and reads nothing: no body to keep
        if (body.calls.length > 0 || body.refs.length > 0) (go.inits ??= nameRecord())[n.text] = body;
      });
    };

    /**
     * The names an `init` function fills: those it assigns (`fees = build()`, `rates[k] = v`,
     * `cfg.Rate = r`) or calls a method on (`reg.Add(h)`), its own locals excepted.
     */
    const initFills = (block: Node | null, body: GoBody): void => {
      const add = (n: Node | null): void => {
        while (n && (n.type === 'index_expression' || n.type === 'selector_expression' || n.type === 'parenthesized_expression'))
          n = n.type === 'parenthesized_expression' ? (named(n)[0] ?? null) : n.childForFieldName('operand');
        if (n?.type !== 'identifier' || ownEntry(body.locals, n.text) || facts.imports.some((i) => i.local === n.text)) return;
        const sets = (go.initSets ??= []);
        if (!sets.includes(n.text)) sets.push(n.text);
      };
      for (const a of block?.descendantsOfType('assignment_statement') ?? []) for (const l of named(a?.childForFieldName('left') ?? null)) add(l);
      for (const c of block?.descendantsOfType('call_expression') ?? []) {
        const f = c?.childForFieldName('function');
        if (f?.type === 'selector_expression') add(f.childForFieldName('operand'));
      }
    };

    const top = (node: Node): void => {
      const moduleBody = go.bodies['']!;
      switch (node.type) {
        case 'function_declaration':
        case 'method_declaration': {
          const name = node.childForFieldName('name')?.text;
          if (!name) return;
          const recvNode = node.type === 'method_declaration' ? node.childForFieldName('receiver') : null;
          const recv = recvNode ? receiverType(recvNode) : null;
          if (node.type === 'method_declaration' && !recv) return;
          const local = recv ? `${recv}.${name}` : name;
          const s: ScopeFacts = { name: local, kind: recv ? 'method' : 'function', start: line(node), end: endLine(node), calls: [], refs: [] };
          if (recv) s.className = recv;
          facts.scopes.push(s);
          const sig = signatureOf(node.childForFieldName('parameters'), node.childForFieldName('result'));
          const body = newBody();
          if (recvNode) {
            const rp = paramsOf(recvNode);
            if (rp.names[0]) addLocal(body.locals, rp.names[0], { t: { k: 'n', n: recv! } });
          }
          sig.names.forEach((n, i) => {
            if (n) addLocal(body.locals, n, { t: sig.params[i] ?? null, p: i });
          });
          // named results are locals too
          const result = node.childForFieldName('result');
          if (result?.type === 'parameter_list') {
            const rp = paramsOf(result);
            rp.names.forEach((n, i) => {
              if (n) addLocal(body.locals, n, { t: rp.types[i] ?? null });
            });
          }
          go.funcs[local] = sig.variadic ? { params: sig.params, results: sig.results, variadic: true } : { params: sig.params, results: sig.results };
          results = sig.results;
          walk(node.childForFieldName('body'), body);
          results = [];
          const earlier = ownEntry(go.bodies, local);
          if (earlier) {
            // a file may have several init functions: one definition, every body's calls
            // a hold naming one of this body's calls (an argument's literal) names it where it lands
            const offset = earlier.calls.length;
            earlier.calls.push(...body.calls);
            earlier.refs.push(...body.refs);
            if (body.stores) (earlier.stores ??= []).push(...body.stores);
            if (body.holds) (earlier.holds ??= []).push(...body.holds.map((h) => (h.c === undefined ? h : { ...h, c: h.c + offset })));
            for (const [n, ls] of Object.entries(body.locals)) for (const l of ls) addLocal(earlier.locals, n, l);
          } else go.bodies[local] = body;
          if (local === 'init') initFills(node.childForFieldName('body'), body);
          return;
        }
        case 'type_declaration':
          for (const c of named(node)) if (c.type === 'type_spec' || c.type === 'type_alias') typeDecl(c);
          return;
        case 'import_declaration':
          for (const spec of node.descendantsOfType('import_spec')) {
            if (!spec) continue;
            const p = spec.childForFieldName('path')?.text.replace(/^["`]|["`]$/g, '');
            if (!p) continue;
            const alias = spec.childForFieldName('name')?.text;
            const local = alias ?? p.split('/').pop()!;
            if (local === '_') continue;
            facts.imports.push({ local: local === '.' ? '*' : local, module: p, line: line(spec) });
            if (local !== '.') facts.bindings.push({ name: local, start: line(spec), end: endLine(spec) });
          }
          return;
        case 'var_declaration':
        case 'const_declaration':
          for (const spec of node.descendantsOfType(['var_spec', 'const_spec'])) {
            if (!spec) continue;
            for (const n of spec.childrenForFieldName('name')) if (n) facts.bindings.push({ name: n.text, start: line(spec), end: endLine(spec) });
            const names = spec.childrenForFieldName('name').filter((n): n is Node => n !== null);
            const values = named(spec.childForFieldName('value'));
            declare(names, values, moduleBody, typeOf(spec.childForFieldName('type')), go.vars);
            initializers(names, values);
            // `var handlers = map[string]Fee{"card": fee}`: a name or selector alone is the variable's own value
            if (names.length === values.length)
              names.forEach((n, i) => {
                const v = values[i]!;
                if (n.type === 'identifier' && v.type !== 'identifier' && v.type !== 'selector_expression') hold(moduleBody, { x: { k: 'id', n: n.text } }, v);
              });
          }
          return;
        default:
          for (const c of named(node)) top(c);
      }
    };
    top(root);
    return facts;
  });
}
