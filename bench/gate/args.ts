// Command-line flags of the generated-repository benchmarks (run.ts, resident.ts).

const args = process.argv.slice(2);

/** The value after `--name`, if given. */
export function flagValue(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `--lines N` (default ~100 kLOC) and `--lang` (a comma-separated list of python and ts). */
export function generatedRepoFlags(defaultLangs: string): { lines: number; langs: ('python' | 'ts')[] } {
  return {
    lines: Number(flagValue('--lines') ?? 100_000),
    langs: (flagValue('--lang') ?? defaultLangs).split(',') as ('python' | 'ts')[],
  };
}
