import type { Node } from 'web-tree-sitter';

/** A file that does not parse; the gate fails closed on it (the change is flagged with this reason). */
export class ParseFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseFailure';
  }
}

/** 1-based line of the first syntax error under `node` (tree-sitter marks errors with ERROR/MISSING nodes). */
export function firstErrorLine(node: Node): number | string {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.shift()!;
    if (n.type === 'ERROR' || n.isMissing) return n.startPosition.row + 1;
    for (const c of n.children) if (c && (c.hasError || c.isMissing)) stack.unshift(c);
  }
  return '?';
}
