import type { z } from 'zod';
import { didYouMean } from './suggest.js';
import { lineOf } from './toml-lines.js';

type PathPart = string | number;

interface ZodDefLike {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  in?: unknown;
  options?: unknown[];
}

function defOf(schema: unknown): ZodDefLike | undefined {
  return (schema as { _zod?: { def?: ZodDefLike } })?._zod?.def;
}

/** The keys an object schema at `path` accepts (unwrapping optional/default/array/pipe). */
export function knownKeysAt(schema: unknown, path: readonly PathPart[]): string[] {
  let cur: unknown = schema;
  const unwrap = (): void => {
    for (;;) {
      const d = defOf(cur);
      if (!d) return;
      if (d.innerType !== undefined && ['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional'].includes(d.type)) cur = d.innerType;
      else if (d.type === 'pipe' && d.in !== undefined) cur = d.in;
      else return;
    }
  };
  for (const p of path) {
    unwrap();
    const d = defOf(cur);
    if (!d) return [];
    if (d.type === 'object' && d.shape && typeof p === 'string') cur = d.shape[p];
    else if (d.type === 'array' && typeof p === 'number') cur = d.element;
    else return [];
  }
  unwrap();
  const d = defOf(cur);
  return d?.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

function valueAt(input: unknown, path: readonly PathPart[]): unknown {
  let cur = input;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p as string];
  }
  return cur;
}

export function showValue(v: unknown): string {
  if (v === undefined) return '(missing)';
  // JSON has no text for a function or a symbol; String() names those
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only values JSON.stringify cannot show reach String()
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

export function dottedPath(path: readonly PathPart[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export interface LocatedIssue {
  line: number | undefined;
  path: PathPart[];
  message: string;
}

/**
 * Turns the first zod issue into "KEY: problem (value V)" with the key's line in `text`.
 * Unknown keys get a did-you-mean suggestion from the schema's own key list.
 */
export function describeIssue(schema: z.ZodType, input: unknown, text: string, issue: z.core.$ZodIssue): LocatedIssue {
  const path = issue.path.filter((p): p is PathPart => typeof p === 'string' || typeof p === 'number');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const full = [...path, key];
    const known = knownKeysAt(schema, path);
    return {
      line: lineOf(text, full),
      path: full,
      message: `unknown key "${dottedPath(full)}"${didYouMean(key, known)}`,
    };
  }
  const value = valueAt(input, path);
  return {
    line: lineOf(text, path),
    path,
    message: `${dottedPath(path) || '(top level)'}: ${issue.message} (value ${showValue(value)})`,
  };
}
