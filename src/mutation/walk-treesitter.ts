/**
 * Mutant candidates for Python, Go and Java from the tree-sitter trees the gate parses
 * (src/gate/treesitter.ts): only nodes that start on a changed line inside a function.
 */
import type { Node } from 'web-tree-sitter';
import { withSyntaxTree, type TreeSitterLanguage } from '../gate/treesitter.js';
import { zeroValueFor, type Candidate } from './candidates.js';
import { binaryReplacements, booleanReplacement, integerReplacements, isScaleCall, quantumReplacements, roundingReplacements } from './operators.js';

const FUNCTION_TYPES: Record<TreeSitterLanguage, Set<string>> = {
  python: new Set(['function_definition']),
  go: new Set(['function_declaration', 'method_declaration', 'func_literal']),
  java: new Set(['method_declaration', 'constructor_declaration', 'lambda_expression']),
};
const BINARY_PARENTS = new Set(['binary_operator', 'binary_expression', 'comparison_operator', 'boolean_operator']);
const INTEGER_TYPES = new Set(['integer', 'int_literal', 'decimal_integer_literal']);
const CALL_TYPES = new Set(['call', 'call_expression', 'method_invocation', 'object_creation_expression']);
const ARG_LIST_TYPES = new Set(['argument_list']);

function enclosingFunction(node: Node, language: TreeSitterLanguage): Node | null {
  for (let p = node.parent; p; p = p.parent) if (FUNCTION_TYPES[language].has(p.type)) return p;
  return null;
}

function functionName(fn: Node): string | undefined {
  return fn.childForFieldName('name')?.text;
}

/** The called name of a call node: `quantize` for `x.quantize(...)`, `setScale`, `Round`. */
function calleeName(call: Node): string | undefined {
  const fn = call.childForFieldName('function') ?? call.childForFieldName('name') ?? call.childForFieldName('type');
  if (!fn) return undefined;
  const last = fn.childForFieldName('attribute') ?? fn.childForFieldName('field') ?? fn;
  return last.text.split('.').pop();
}

function callOfArgument(node: Node): Node | null {
  let p = node.parent;
  // an argument may sit inside a unary minus or a Decimal('0.01') call
  while (p && !ARG_LIST_TYPES.has(p.type)) {
    if (p.type === 'block' || FUNCTION_TYPES.python.has(p.type)) return null;
    p = p.parent;
  }
  return p?.parent && CALL_TYPES.has(p.parent.type) ? p.parent : null;
}

function declaredResultType(fn: Node, language: TreeSitterLanguage): string | undefined {
  if (language === 'go') return fn.childForFieldName('result')?.text;
  if (language === 'java') return fn.childForFieldName('type')?.text;
  return undefined;
}

function* walk(node: Node): Generator<Node> {
  yield node;
  for (const c of node.children) if (c) yield* walk(c);
}

export function treeSitterCandidates(root: Node, language: TreeSitterLanguage, changedLines: ReadonlySet<number>): Candidate[] {
  const out: Candidate[] = [];
  for (const node of walk(root)) {
    if (!changedLines.has(node.startPosition.row + 1)) continue;
    const fn = enclosingFunction(node, language);
    if (!fn) continue;
    const fname = functionName(fn);
    const add = (n: Node, replacement: string, operator: Candidate['operator']) =>
      out.push({ start: n.startIndex, end: n.endIndex, original: n.text, replacement, operator, ...(fname ? { function: fname } : {}) });
    const parent = node.parent;

    // operator tokens are the anonymous children of binary nodes
    if (!node.isNamed && parent && BINARY_PARENTS.has(parent.type)) {
      for (const r of binaryReplacements(node.type)) add(node, r.text, r.operator);
      continue;
    }
    if (INTEGER_TYPES.has(node.type)) {
      const call = callOfArgument(node);
      const op = isScaleCall(call ? calleeName(call) : undefined) ? 'scale' : 'constant';
      for (const r of integerReplacements(node.text, op)) add(node, r.text, r.operator);
      continue;
    }
    if (node.type === 'true' || node.type === 'false') {
      const flip = booleanReplacement(node.text);
      if (flip) add(node, flip, 'negation');
      continue;
    }
    if (node.type === 'string' || node.type === 'string_literal' || node.type === 'interpreted_string_literal') {
      // a quantum such as Decimal('0.01') or new BigDecimal("0.01")
      const m = /^(['"])(0\.0*1)\1$/.exec(node.text);
      if (m) for (const q of quantumReplacements(m[2]!)) add(node, `${m[1]}${q}${m[1]}`, 'scale');
      continue;
    }
    if (node.type === 'identifier' || node.type === 'field_identifier') {
      const q = parent?.type === 'attribute' || parent?.type === 'field_access' || parent?.type === 'selector_expression' ? parent : null;
      const qualifier = q ? (q.childForFieldName('object') ?? q.childForFieldName('operand'))?.text : undefined;
      if (q && (q.childForFieldName('object') ?? q.childForFieldName('operand'))?.id === node.id) continue;
      // Python: ROUND_* names are used bare (imported) or as decimal.ROUND_*
      const rs = roundingReplacements(language, node.text, language === 'python' ? undefined : qualifier);
      // decimal's rounding constants are their own names as strings: a bare name the module did
      // not import would fail with NameError, so the literal stands in for it
      for (const r of rs) add(node, language === 'python' && !q ? `'${r.text}'` : r.text, r.operator);
      continue;
    }
    if (node.type === 'not_operator') {
      const arg = node.childForFieldName('argument');
      if (arg) add(node, arg.text, 'negation');
      continue;
    }
    if (node.type === 'unary_expression' && node.childForFieldName('operator')?.text === '!') {
      const arg = node.childForFieldName('operand') ?? node.childForFieldName('argument');
      if (arg) add(node, arg.text, 'negation');
      continue;
    }
    if (node.type === 'if_statement') {
      const cond = node.childForFieldName('condition');
      if (cond) {
        if (language === 'python') add(cond, `not (${cond.text})`, 'negation');
        else if (language === 'java') add(cond, `(!${cond.text})`, 'negation');
        else add(cond, `!(${cond.text})`, 'negation');
      }
      continue;
    }
    if (node.type === 'return_statement') {
      let value = node.namedChildren.find((c) => c && c.type !== 'comment');
      // Go wraps every returned value in an expression_list; one value is a single result
      if (value?.type === 'expression_list' && language === 'go' && value.namedChildCount === 1) value = value.namedChildren[0];
      if (!value) continue;
      const zero = language === 'python' ? 'None' : zeroValueFor(language, declaredResultType(fn, language));
      if (zero !== undefined && value.type !== 'expression_list') add(value, zero, 'return-value');
      continue;
    }
    if (node.type === 'expression_statement') {
      const only = node.namedChildren.filter((c) => c && c.type !== 'comment');
      if (only.length === 1 && only[0] && CALL_TYPES.has(only[0].type))
        add(node, language === 'python' ? 'pass' : language === 'java' ? ';' : '', 'remove-call');
      continue;
    }
    if (ARG_LIST_TYPES.has(node.type)) {
      const args = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment' && c.type !== 'keyword_argument');
      for (let i = 0; i + 1 < args.length; i++) {
        const a = args[i]!;
        const b = args[i + 1]!;
        if (!sameKind(a, b)) continue;
        out.push({
          start: a.startIndex,
          end: b.endIndex,
          original: node.text.slice(a.startIndex - node.startIndex, b.endIndex - node.startIndex),
          replacement: `${b.text}${node.text.slice(a.endIndex - node.startIndex, b.startIndex - node.startIndex)}${a.text}`,
          operator: 'swap-arguments',
          ...(fname ? { function: fname } : {}),
        });
      }
    }
  }
  return out;
}

/** Same syntactic kind: two names, or two literals of one kind (the build step rejects ill-typed swaps). */
function sameKind(a: Node, b: Node): boolean {
  if (a.type !== b.type) return false;
  return a.type === 'identifier' || /literal|integer|float|string/.test(a.type);
}

/** Parses `text` with the gate's grammar and returns the candidates; a file that does not parse yields none. */
export async function treeSitterFileCandidates(language: TreeSitterLanguage, text: string, changedLines: ReadonlySet<number>): Promise<Candidate[]> {
  return withSyntaxTree(language, text, (root) => treeSitterCandidates(root, language, changedLines));
}

/** True when `text` parses without a syntax error (the quick check every mutant passes before it runs). */
export async function treeSitterParses(language: TreeSitterLanguage, text: string): Promise<boolean> {
  try {
    await withSyntaxTree(language, text, () => undefined);
    return true;
  } catch {
    return false;
  }
}
