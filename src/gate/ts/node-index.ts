// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- required on purpose, see the comment above
import ts = require('typescript');
import type { FileDefinitions } from './definitions.js';

/**
 * Declaration nodes of a file by position: [pos, end, kind, definition id]. The same text parses
 * to nodes at the same positions in every program (an outline keeps the length and every node
 * outside its blanked bodies), so the syntax facts, recorded once per content, index every
 * later parse of the file without walking it again.
 */
export type DeclarationNodes = [number, number, number, string][];
/** Classes and interfaces of a file by position, with their members: [pos, end, kind, [[name, id]…]]. */
export type ClassMembers = [number, number, number, [string, string][]][];

export function declarationNodesOf(rec: FileDefinitions): { nodes: DeclarationNodes; classMembers: ClassMembers } {
  return {
    nodes: rec.decls.map(([n, id]) => [n.pos, n.end, n.kind, id]),
    classMembers: rec.members.map(([n, m]) => [n.pos, n.end, n.kind, [...m]]),
  };
}

/** Whether recorded positions (from a cache, so untrusted) are well formed for a text of `length`. */
export function validDeclarationNodes(nodes: unknown, classMembers: unknown, length: number): boolean {
  const pos = (p: unknown, e: unknown, k: unknown): boolean =>
    Number.isInteger(p) && Number.isInteger(e) && Number.isInteger(k) && (p as number) >= 0 && (p as number) <= (e as number) && (e as number) <= length;
  return (
    Array.isArray(nodes) &&
    Array.isArray(classMembers) &&
    nodes.every((d) => Array.isArray(d) && d.length === 4 && pos(d[0], d[1], d[2]) && typeof d[3] === 'string') &&
    classMembers.every(
      (c) =>
        Array.isArray(c) &&
        c.length === 4 &&
        pos(c[0], c[1], c[2]) &&
        Array.isArray(c[3]) &&
        (c[3] as unknown[]).every((m) => Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string'),
    )
  );
}

/** Node kinds fit in 9 bits: a node's key is its start and kind, its end tells apart the few that share both. */
const KIND_BITS = 512;
const keyOf = (pos: number, kind: number): number => pos * KIND_BITS + kind;

/** One file's recorded nodes, looked up by the nodes of whichever parse of it a program holds. */
export class FileNodeIndex {
  private readonly ids = new Map<number, [number, string][]>();
  private readonly members = new Map<number, [number, Map<string, string>][]>();

  constructor(
    nodes: DeclarationNodes,
    private readonly classMembers: ClassMembers,
  ) {
    for (const [pos, end, kind, id] of nodes) push(this.ids, keyOf(pos, kind), [end, id]);
    for (const [pos, end, kind, m] of classMembers) push(this.members, keyOf(pos, kind), [end, new Map(m)]);
  }

  idOf(n: ts.Node): string | undefined {
    return find(this.ids.get(keyOf(n.pos, n.kind)), n.end);
  }

  membersOf(n: ts.Node): Map<string, string> | undefined {
    return find(this.members.get(keyOf(n.pos, n.kind)), n.end);
  }

  /** The file's recorded classes and interfaces, as nodes of `sf`. */
  classNodes(sf: ts.SourceFile): ts.Node[] {
    const out: ts.Node[] = [];
    for (const [pos, end, kind] of this.classMembers) {
      const n = nodeAt(sf, pos, end, kind);
      if (n) out.push(n);
    }
    return out;
  }
}

function push<T>(m: Map<number, T[]>, k: number, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function find<T>(l: [number, T][] | undefined, end: number): T | undefined {
  if (!l) return undefined;
  for (const [e, v] of l) if (e === end) return v;
  return undefined;
}

/** The node of `sf` at exactly [pos, end) of `kind`, found by descending through the children that contain it. */
function nodeAt(sf: ts.SourceFile, pos: number, end: number, kind: ts.SyntaxKind): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): boolean | undefined => {
    if (n.pos > pos || n.end < end) return undefined;
    if (n.pos === pos && n.end === end && n.kind === kind) {
      found = n;
      return true;
    }
    return n.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return found;
}
