// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { initializerOf, listSources, tableTargets, type CallTargetContext, type TableSources } from './call-targets.js';
import { mayBeFunctionList, mayBeParameter, mayHoldFunction, parameterElementKeys, storedParameter, storedTargets, tableKeys } from './stored-functions.js';
import { HELD, PARAMETER } from './model.js';
import { unwrap } from './syntax.js';

/**
 * What an array of functions holds, where it is made of other arrays or handed from one function
 * to another: spread (`[...base, f]`), `concat`, `Array.from`, passed as an argument (`new
 * Pipeline([fee, tax])`, `run(steps)`). One file cannot say everything such an array holds (what
 * another file pushes into `base`, what callers pass to a parameter), so the contents are the
 * functions the syntax names plus references the assembly follows: `held:<key>` for what is stored
 * under another place's key, `param:<function id>#<index>[]` for the elements of what callers pass.
 */

/** Nesting of arrays made of arrays followed before giving up (recall is kept by the keys met so far). */
const MAX_DEPTH = 4;

/**
 * The contents of the array `e` names or builds: functions, `held:` and `param:` references. With
 * `listOnly`, a name counts only when its declaration says, by its syntax, that it is an array of
 * functions or built like one (an argument `this.userId` is not followed into a key of its own).
 */
export function listContents(ctx: CallTargetContext, e: ts.Expression, listOnly = false, depth = 0): Set<string> {
  const out = new Set<string>();
  e = unwrap(e);
  if (depth > MAX_DEPTH) return out;
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) {
    const found: TableSources = { decls: [], sources: [] };
    const ids = tableTargets(ctx, e, found);
    if (listOnly && !found.decls.some(isListDeclaration)) return out;
    for (const id of ids) out.add(id);
    for (const k of tableKeys(ctx, e)) out.add(HELD + k);
    for (const k of parameterElementKeys(ctx, found.decls)) out.add(k);
    for (const s of found.sources) for (const v of listContents(ctx, s, false, depth + 1)) out.add(v);
    return out;
  }
  const values: ts.Node[] = ts.isArrayLiteralExpression(e) ? e.elements.filter((x) => !ts.isSpreadElement(x) && !ts.isOmittedExpression(x)) : [];
  const sources: ts.Expression[] = [];
  listSources(e, values, sources);
  for (const v of values) {
    if (!ts.isExpression(v)) continue;
    if (mayHoldFunction(ctx, v)) for (const id of storedTargets(ctx, v)) out.add(id);
    else if (mayBeParameter(v)) {
      const p = storedParameter(ctx, v);
      if (p !== undefined) out.add(PARAMETER + p);
    }
  }
  for (const s of sources) for (const v of listContents(ctx, s, false, depth + 1)) out.add(v);
  return out;
}

/** Whether an expression, by its syntax, builds an array some of whose elements may be functions. */
export function mayBuildList(ctx: CallTargetContext, e: ts.Expression): boolean {
  e = unwrap(e);
  if (ts.isArrayLiteralExpression(e))
    return e.elements.some((x) => ts.isSpreadElement(x) || (!ts.isOmittedExpression(x) && (mayHoldFunction(ctx, x) || mayBeParameter(x))));
  const values: ts.Node[] = [];
  const sources: ts.Expression[] = [];
  listSources(e, values, sources);
  return sources.length > 0 || values.some((v) => ts.isExpression(v) && mayHoldFunction(ctx, v));
}

/** The functions among contents (the rest are references the assembly follows). */
export const functionsOf = (contents: Iterable<string>): string[] => [...contents].filter((v) => !v.startsWith(HELD) && !v.startsWith(PARAMETER));

/** The keys a call through an element loads: `held:<key>` is `<key>`, `param:…` is loaded as it is. */
export const loadKeysOf = (contents: Iterable<string>): string[] => {
  const keys: string[] = [];
  for (const v of contents) {
    if (v.startsWith(HELD)) keys.push(v.slice(HELD.length));
    else if (v.startsWith(PARAMETER)) keys.push(v);
  }
  return keys;
};

/** A declaration of an array of functions by its syntax: its type, else its initializer (`const steps = [a, b]`, `[...base]`, `base.concat(f)`). */
export function isListDeclaration(d: ts.Declaration): boolean {
  if (!(ts.isVariableDeclaration(d) || ts.isPropertyDeclaration(d) || ts.isParameter(d))) return false;
  if (d.type) return mayBeFunctionList(d.type);
  const init = initializerOf(d);
  if (!init) return false;
  if (ts.isArrayLiteralExpression(init)) return true;
  const values: ts.Node[] = [];
  const sources: ts.Expression[] = [];
  listSources(init, values, sources);
  return sources.length > 0 || values.length > 0 || (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'Set');
}
