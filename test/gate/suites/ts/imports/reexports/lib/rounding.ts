export function roundHalfEven(x: number): number {
  return Math.round(x);
}
export default function clamp(x: number): number {
  return Math.max(0, x);
}
