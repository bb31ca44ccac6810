/** Ids numbered in the order they are first seen (a stored graph's table, a call index's nodes). */
export class IdTable {
  readonly ids: string[] = [];
  readonly numbers = new Map<string, number>();

  /** The id's number, given the next one the first time it is seen. */
  number(id: string): number {
    let n = this.numbers.get(id);
    if (n === undefined) {
      this.numbers.set(id, (n = this.ids.length));
      this.ids.push(id);
    }
    return n;
  }

  /** A map's entries as rows `[key, ...values]` of numbers, in the map's order. */
  rows(m: ReadonlyMap<string, ReadonlySet<string>>): number[][] {
    const rows: number[][] = [];
    // forEach, not for…of: no entry array per key (a 100 kLOC graph has tens of thousands)
    m.forEach((tos, from) => {
      const row = [this.number(from)];
      for (const to of tos) row.push(this.number(to));
      rows.push(row);
    });
    return rows;
  }
}
