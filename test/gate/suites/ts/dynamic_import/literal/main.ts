export async function run(x: number): Promise<number> {
  const m = await import('./plugins/card.js');
  return m.charge(x);
}
