/**
 * The mutation tables: which token becomes which. Pure; the language walkers decide where a
 * token may be replaced and hand the text here.
 */
import type { MutationOperator } from './types.js';

export interface Replacement {
  operator: MutationOperator;
  text: string;
}

/** Binary operator tokens (every language spells these alike) and what each becomes. */
const BINARY: Record<string, Replacement[]> = {
  '+': [{ operator: 'arithmetic', text: '-' }],
  '-': [{ operator: 'arithmetic', text: '+' }],
  '*': [{ operator: 'arithmetic', text: '/' }],
  '/': [{ operator: 'arithmetic', text: '*' }],
  '%': [{ operator: 'arithmetic', text: '*' }],
  '//': [{ operator: 'arithmetic', text: '*' }],
  '<': [
    { operator: 'boundary', text: '<=' },
    { operator: 'comparison', text: '>=' },
  ],
  '<=': [
    { operator: 'boundary', text: '<' },
    { operator: 'comparison', text: '>' },
  ],
  '>': [
    { operator: 'boundary', text: '>=' },
    { operator: 'comparison', text: '<=' },
  ],
  '>=': [
    { operator: 'boundary', text: '>' },
    { operator: 'comparison', text: '<' },
  ],
  '==': [{ operator: 'comparison', text: '!=' }],
  '!=': [{ operator: 'comparison', text: '==' }],
  '===': [{ operator: 'comparison', text: '!==' }],
  '!==': [{ operator: 'comparison', text: '===' }],
  '&&': [{ operator: 'logical', text: '||' }],
  '||': [{ operator: 'logical', text: '&&' }],
  and: [{ operator: 'logical', text: 'or' }],
  or: [{ operator: 'logical', text: 'and' }],
};

export function binaryReplacements(token: string): Replacement[] {
  return BINARY[token] ?? [];
}

/**
 * Rounding modes by the name a program uses: Python's decimal constants, Java's RoundingMode
 * members, Go's math functions, JavaScript's Math methods. Half-even and half-up are the pair a
 * banker's rounding change swaps most often, so each maps to the other first.
 */
const ROUNDING: Record<string, Record<string, string[]>> = {
  python: {
    ROUND_HALF_EVEN: ['ROUND_HALF_UP'],
    ROUND_HALF_UP: ['ROUND_HALF_EVEN', 'ROUND_HALF_DOWN'],
    ROUND_HALF_DOWN: ['ROUND_HALF_UP'],
    ROUND_UP: ['ROUND_DOWN'],
    ROUND_DOWN: ['ROUND_UP'],
    ROUND_CEILING: ['ROUND_FLOOR'],
    ROUND_FLOOR: ['ROUND_CEILING'],
  },
  java: {
    HALF_EVEN: ['HALF_UP'],
    HALF_UP: ['HALF_EVEN', 'HALF_DOWN'],
    HALF_DOWN: ['HALF_UP'],
    UP: ['DOWN'],
    DOWN: ['UP'],
    CEILING: ['FLOOR'],
    FLOOR: ['CEILING'],
  },
  go: {
    Round: ['RoundToEven', 'Floor'],
    RoundToEven: ['Round'],
    Floor: ['Ceil'],
    Ceil: ['Floor'],
    Trunc: ['Round'],
  },
  js: {
    round: ['floor', 'ceil'],
    floor: ['ceil'],
    ceil: ['floor'],
    trunc: ['round'],
  },
};

/** Replacements of a rounding-mode name; `qualifier` is what precedes it (`RoundingMode`, `math`, `Math`, `decimal`). */
export function roundingReplacements(language: string, name: string, qualifier: string | undefined): Replacement[] {
  const table = language === 'ts' || language === 'js' ? ROUNDING.js! : ROUNDING[language];
  if (!table) return [];
  if (language === 'java' && qualifier !== 'RoundingMode') return [];
  if (language === 'go' && qualifier !== 'math') return [];
  if ((language === 'ts' || language === 'js') && qualifier !== 'Math') return [];
  return (table[name] ?? []).map((text) => ({ operator: 'rounding' as const, text }));
}

/** Calls whose numeric argument is a scale or precision: a constant there is a `scale` mutant. */
const SCALE_CALLS = new Set(['setScale', 'quantize', 'round', 'toFixed', 'toPrecision', 'Round', 'movePointLeft', 'movePointRight']);
export function isScaleCall(name: string | undefined): boolean {
  return name !== undefined && SCALE_CALLS.has(name);
}

/**
 * Integer literal mutants: 0 → 1, 1 → 0, n → n+1 and n−1. Only plain decimal literals (no
 * suffixes, separators or bases) are touched; anything else is left alone.
 */
export function integerReplacements(text: string, operator: MutationOperator = 'constant'): Replacement[] {
  if (!/^\d+$/.test(text) || text.length > 15) return [];
  const n = Number(text);
  if (n === 0) return [{ operator, text: '1' }];
  if (n === 1)
    return [
      { operator, text: '0' },
      { operator, text: '2' },
    ];
  return [
    { operator, text: String(n + 1) },
    { operator, text: String(n - 1) },
  ];
}

/**
 * A decimal quantum such as '0.01' (Python's `Decimal('0.01')`, Java's `new BigDecimal("0.01")`):
 * one digit more and one fewer of scale.
 */
export function quantumReplacements(inner: string): string[] {
  const m = /^0\.(0*)1$/.exec(inner);
  if (!m) return [];
  const zeros = m[1]!.length;
  const out = [`0.${'0'.repeat(zeros + 1)}1`];
  out.push(zeros === 0 ? '1' : `0.${'0'.repeat(zeros - 1)}1`);
  return out;
}

export function booleanReplacement(text: string): string | undefined {
  const flip: Record<string, string> = { true: 'false', false: 'true', True: 'False', False: 'True' };
  return flip[text];
}
