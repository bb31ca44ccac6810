// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- required on purpose, see the comment above
import ts = require('typescript');

/** Parameters (by position) a function's body calls or passes on to a call; `rest`: index of an invoked rest parameter, else -1. */
export interface InvokedParams {
  params: Set<number>;
  rest: number;
}

const memo = new WeakMap<ts.Node, InvokedParams>();

/**
 * Which parameters a function invokes: `f(x)`, `f.call(…)`, `f.apply(…)`, `f.bind(…)` in its body
 * (nested functions included), or `f` passed on to another call (`xs.map(f)`). Syntax only, so
 * the syntax facts record it for bodies an outline blanks.
 */
export function invokedParams(fn: ts.SignatureDeclaration & { body?: ts.Node }): InvokedParams {
  let known = memo.get(fn);
  if (known) return known;
  const names = new Map<string, number>();
  fn.parameters.forEach((p, i) => {
    if (ts.isIdentifier(p.name)) names.set(p.name.text, i);
  });
  const params = new Set<number>();
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
      let c: ts.Expression = n.expression;
      while (ts.isNonNullExpression(c) || ts.isParenthesizedExpression(c)) c = c.expression;
      if (ts.isPropertyAccessExpression(c) && ['call', 'apply', 'bind'].includes(c.name.text)) c = c.expression;
      if (ts.isIdentifier(c) && names.has(c.text)) params.add(names.get(c.text)!);
      for (const a of n.arguments ?? []) if (ts.isIdentifier(a) && names.has(a.text)) params.add(names.get(a.text)!);
    }
    n.forEachChild(visit);
  };
  if (names.size > 0 && fn.body) visit(fn.body);
  const restIdx = fn.parameters.findIndex((p) => p.dotDotDotToken);
  known = { params, rest: restIdx >= 0 && params.has(restIdx) ? restIdx : -1 };
  memo.set(fn, known);
  return known;
}
