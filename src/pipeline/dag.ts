/** Pure dependency-graph helpers for stage topologies. */

export interface DagNode {
  name: string;
  dependsOn: readonly string[];
}

/**
 * A dependency cycle as a closed path (`[a, b, a]`), or undefined. Nodes are visited in
 * declaration order so the reported cycle is deterministic. Unknown dependencies are ignored
 * (the loader reports them separately).
 */
export function findCycle(nodes: readonly DagNode[]): string[] | undefined {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const st = state.get(name);
    if (st === 'done') return undefined;
    if (st === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(dep)) continue;
      const c = visit(dep);
      if (c) return c;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const n of nodes) {
    const c = visit(n.name);
    // a → b reads "a depends on b"
    if (c) return c;
  }
  return undefined;
}

/** A topological order (dependencies first, ties in declaration order); throws on a cycle. */
export function topologicalOrder(nodes: readonly DagNode[]): string[] {
  const cycle = findCycle(nodes);
  if (cycle) throw new Error(`dependency cycle ${cycle.join(' → ')}`);
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < nodes.length) {
    for (const n of nodes) {
      if (!done.has(n.name) && n.dependsOn.every((d) => done.has(d))) {
        done.add(n.name);
        order.push(n.name);
      }
    }
  }
  return order;
}

/** Every stage that depends on `name`, directly or transitively. */
export function dependentsOf(nodes: readonly DagNode[], name: string): Set<string> {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of nodes) {
      if (!out.has(n.name) && n.dependsOn.some((d) => d === name || out.has(d))) {
        out.add(n.name);
        grew = true;
      }
    }
  }
  return out;
}
