/**
 * Mutant candidates for TypeScript and JavaScript from the TypeScript compiler's syntax tree (the
 * parser the gate uses for these languages): nodes that start on a changed line inside a function.
 */
import { createRequire } from 'node:module';
import type * as TS from 'typescript';
import { zeroValueFor, type Candidate } from './candidates.js';
import { binaryReplacements, booleanReplacement, integerReplacements, isScaleCall, quantumReplacements, roundingReplacements } from './operators.js';

// loaded on first use: the compiler is 9 MB and only a change with TS/JS files needs it
const require = createRequire(import.meta.url);
let tsModule: typeof TS | undefined;
function typescript(): typeof TS {
  tsModule ??= require('typescript') as typeof TS;
  return tsModule;
}

function scriptKind(ts: typeof TS, file: string): TS.ScriptKind {
  if (/\.tsx$/.test(file)) return ts.ScriptKind.TSX;
  if (/\.jsx$/.test(file)) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/.test(file)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function sourceFile(file: string, text: string): TS.SourceFile {
  const ts = typescript();
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(ts, file));
}

/** True when `text` has no syntax error (the compiler's parse diagnostics). */
export function tsParses(file: string, text: string): boolean {
  const sf = sourceFile(file, text) as TS.SourceFile & { parseDiagnostics?: unknown[] };
  return (sf.parseDiagnostics?.length ?? 0) === 0;
}

export function tsCandidates(file: string, text: string, changedLines: ReadonlySet<number>): Candidate[] {
  const ts = typescript();
  const sf = sourceFile(file, text);
  if (!tsParses(file, text)) return [];
  const out: Candidate[] = [];
  const lineOf = (n: TS.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (node: TS.Node, fn: TS.FunctionLikeDeclaration | undefined): void => {
    const inner = ts.isFunctionLike(node) && 'body' in node ? node : fn;
    if (fn && changedLines.has(lineOf(node))) mutate(node, fn);
    ts.forEachChild(node, (c) => visit(c, inner));
  };
  const fname = (fn: TS.FunctionLikeDeclaration) => (fn.name && ts.isIdentifier(fn.name) ? fn.name.text : undefined);
  const add = (n: TS.Node, replacement: string, operator: Candidate['operator'], fn: TS.FunctionLikeDeclaration) => {
    const name = fname(fn);
    out.push({ start: n.getStart(sf), end: n.getEnd(), original: n.getText(sf), replacement, operator, ...(name ? { function: name } : {}) });
  };
  const mutate = (node: TS.Node, fn: TS.FunctionLikeDeclaration) => {
    if (ts.isBinaryExpression(node)) {
      for (const r of binaryReplacements(node.operatorToken.getText(sf))) add(node.operatorToken, r.text, r.operator, fn);
    } else if (ts.isNumericLiteral(node)) {
      const call = node.parent && ts.isCallExpression(node.parent) ? node.parent : undefined;
      const callee = call && ts.isPropertyAccessExpression(call.expression) ? call.expression.name.text : undefined;
      for (const r of integerReplacements(node.text === node.getText(sf) ? node.text : '', isScaleCall(callee) ? 'scale' : 'constant'))
        add(node, r.text, r.operator, fn);
    } else if (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword) {
      add(node, booleanReplacement(node.getText(sf))!, 'negation', fn);
    } else if (ts.isStringLiteral(node)) {
      for (const q of quantumReplacements(node.text)) {
        const quote = node.getText(sf)[0]!;
        add(node, `${quote}${q}${quote}`, 'scale', fn);
      }
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      for (const r of roundingReplacements('ts', node.name.text, node.expression.text)) add(node.name, r.text, r.operator, fn);
    } else if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) {
      add(node, node.operand.getText(sf), 'negation', fn);
    } else if (ts.isIfStatement(node)) {
      add(node.expression, `!(${node.expression.getText(sf)})`, 'negation', fn);
    } else if (ts.isReturnStatement(node) && node.expression) {
      const declared = fn.type ? fn.type.getText(sf) : undefined;
      const zero = zeroValueFor('ts', declared);
      if (zero !== undefined) add(node.expression, zero, 'return-value', fn);
    } else if (ts.isExpressionStatement(node) && (ts.isCallExpression(node.expression) || ts.isAwaitExpression(node.expression))) {
      add(node, ';', 'remove-call', fn);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 2) {
      const args = node.arguments;
      for (let i = 0; i + 1 < args.length; i++) {
        const a = args[i]!;
        const b = args[i + 1]!;
        const same = a.kind === b.kind && (ts.isIdentifier(a) || ts.isNumericLiteral(a) || ts.isStringLiteral(a));
        if (!same) continue;
        const between = text.slice(a.getEnd(), b.getStart(sf));
        const name = fname(fn);
        out.push({
          start: a.getStart(sf),
          end: b.getEnd(),
          original: text.slice(a.getStart(sf), b.getEnd()),
          replacement: `${b.getText(sf)}${between}${a.getText(sf)}`,
          operator: 'swap-arguments',
          ...(name ? { function: name } : {}),
        });
      }
    }
  };
  visit(sf, undefined);
  return out;
}
