import path from 'node:path';

/**
 * A path of the [audit] table resolved against the config file's folder; a PostgreSQL URL is left
 * as it is. Apart from the table's schema, so a caller that only asks where the log is loads no
 * validation library.
 */
export function resolveAuditPath(p: string | undefined, dir: string): string | undefined {
  return p === undefined || /^postgres(ql)?:\/\//i.test(p) ? p : path.resolve(dir, p);
}
