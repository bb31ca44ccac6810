/**
 * Splits the files to analyse into as few consecutive groups as keep each within `budget`
 * characters, of about equal size (a single larger file gets a group of its own). Each group
 * becomes one program holding its files in full. The order is kept, so the grouping depends only
 * on the files and their sizes.
 */
export function planPrograms(files: readonly string[], sizeOf: (file: string) => number, budget: number): string[][] {
  const sizes = files.map(sizeOf);
  const total = sizes.reduce((a, b) => a + b, 0);
  const target = total / Math.max(1, Math.ceil(total / budget));
  const groups: string[][] = [];
  let current: string[] = [];
  let size = 0;
  files.forEach((f, i) => {
    const n = sizes[i]!;
    // close the group when this file would take it past the budget, or further from the even share than stopping short
    if (current.length > 0 && (size + n > budget || size + n - target > target - size)) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(f);
    size += n;
  });
  if (current.length > 0) groups.push(current);
  return groups;
}
