/**
 * Waits for `p` at most `ms` milliseconds: its value, or `undefined` when time ran out. The timer
 * is always cleared, so a bounded wait never keeps the process alive after the work is done.
 */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
