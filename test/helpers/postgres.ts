import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A real PostgreSQL server for tests. `.ci/run` installs and starts one and exports
 * BULWARK_TEST_PG_URL (a role that may create databases and roles). Without it the tests FAIL with
 * the reason: they never skip, so a missing server cannot read as a pass.
 */
export function pgAdminUrl(): string {
  const url = process.env.BULWARK_TEST_PG_URL;
  if (!url) {
    throw new Error(
      'PostgreSQL is not configured: set BULWARK_TEST_PG_URL=postgres://user:pass@127.0.0.1:5432/db ' +
        '(a role with CREATEDB and CREATEROLE; .ci/run sets it up from Debian packages)' +
        (process.env.CI ? ' — required in CI' : ''),
    );
  }
  return url;
}

export interface TestDatabase {
  /** The database owner (schema creation, tamper tests). */
  ownerUrl: string;
  /** A role with only what the application is granted (appends and reads). */
  appUrl: string;
  appRole: string;
  database: string;
  drop(): Promise<void>;
}

function withDb(url: string, database: string, user?: string, password?: string): string {
  const u = new URL(url);
  u.pathname = '/' + database;
  if (user !== undefined) u.username = user;
  if (password !== undefined) u.password = password;
  return u.toString();
}

/** Creates a fresh database and a login role for the application; drop() removes both. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = pgAdminUrl();
  const id = randomBytes(6).toString('hex');
  const database = `bulwark_t_${id}`;
  const appRole = `bulwark_app_${id}`;
  const appPassword = randomBytes(12).toString('hex');
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${database}`);
    await client.query(`CREATE ROLE ${appRole} LOGIN PASSWORD '${appPassword}'`);
    // membership lets drop() end the app role's sessions even when a failed test leaked one
    await client.query(`GRANT ${appRole} TO CURRENT_USER`);
  } finally {
    await client.end();
  }
  return {
    ownerUrl: withDb(admin, database),
    appUrl: withDb(admin, database, appRole, appPassword),
    appRole,
    database,
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${appRole}`);
      } finally {
        await c.end();
      }
    },
  };
}
