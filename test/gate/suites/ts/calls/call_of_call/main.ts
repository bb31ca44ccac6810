function fee(a: number): number {
  return a * 2;
}
function levy(a: number): number {
  return a + 1;
}
function pickFee() {
  return fee;
}
class Chooser {
  pick(): (a: number) => number {
    return levy;
  }
}
export function run(): number {
  return pickFee()(3) + new Chooser().pick()(4);
}
run();
