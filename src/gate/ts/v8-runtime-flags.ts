import v8 from 'node:v8';

/**
 * V8 flags this process set after it started. V8 stamps a code cache with a hash of its flags and
 * rejects one made under other flags, so the compiler's code cache (compiler-code-cache.ts) is
 * kept per set of these: a process that sets none must never be handed a cache made by one that
 * did (it would reject it, compile the compiler from source and write it again, every run).
 */
const setAtRunTime: string[] = [];

/** Sets a V8 flag for the rest of the process, and records it (see above). */
export function setV8Flag(flag: string): void {
  v8.setFlagsFromString(flag);
  setAtRunTime.push(flag);
}

/** The flags set so far, in order (empty in a process that set none). */
export function v8FlagsSetAtRunTime(): string {
  return setAtRunTime.join(' ');
}
