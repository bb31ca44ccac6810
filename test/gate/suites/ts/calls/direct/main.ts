function fee(a: number): number {
  return a * 2;
}
function total(a: number): number {
  return fee(a) + 1;
}
export function run(): number {
  return total(3);
}
run();
