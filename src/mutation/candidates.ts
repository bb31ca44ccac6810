/** A candidate edit before it is numbered and checked: what the language walkers produce. */
import type { MutationOperator } from './types.js';

export interface Candidate {
  start: number;
  end: number;
  original: string;
  replacement: string;
  operator: MutationOperator;
  function?: string;
}

/** Zero values a `return-value` mutant returns, by declared result type. */
export function zeroValueFor(language: 'go' | 'java' | 'ts', type: string | undefined): string | undefined {
  const t = (type ?? '').trim();
  if (language === 'go') {
    if (t === '' || t.startsWith('(')) return undefined; // none or several results
    if (/^(u?int(8|16|32|64)?|uintptr|float(32|64)|complex(64|128)|byte|rune)$/.test(t)) return '0';
    if (t === 'string') return '""';
    if (t === 'bool') return 'false';
    if (/^(\*|\[\]|map\[|chan |func|error$|interface)/.test(t)) return 'nil';
    return undefined; // a named struct type: no literal zero without its definition
  }
  if (language === 'java') {
    if (t === '' || t === 'void') return undefined;
    if (/^(int|long|short|byte|double|float|char)$/.test(t)) return '0';
    if (t === 'boolean') return 'false';
    if (t === 'String') return '""';
    return 'null';
  }
  if (t === '') return 'undefined';
  if (/^number$/.test(t)) return '0';
  if (t === 'string') return "''";
  if (t === 'boolean') return 'false';
  if (t === 'bigint') return '0n';
  if (/^(void|Promise<void>)$/.test(t)) return undefined;
  return 'null';
}
