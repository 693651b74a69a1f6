/**
 * `thidua staff add|list`: the first accounts, written straight into MongoDB through the api's own
 * configuration (MONGODB_URI; unset → the embedded server of `npm start`).
 */
import { z } from 'zod';
import { loadConfig } from '../config';
import { connectDb, type Db } from '../lib/db';
import { createAccount, generatePassword, listAccounts, passwordProblem, STAFF_ROLES, StaffError, type StaffRole } from '../lib/staff';
import { CliError } from './plan-check';

/** Where `npm start` runs its MongoDB-compatible server (scripts/start.ts). */
const EMBEDDED_MONGO_URI = 'mongodb://127.0.0.1:27117/thidua';

export interface StaffAddOptions {
  email?: string;
  name?: string;
  role: string[];
  cluster: string[];
}

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  let uri: string;
  try {
    uri = loadConfig().MONGODB_URI ?? EMBEDDED_MONGO_URI;
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  let db: Db;
  try {
    db = await connectDb(uri);
  } catch (err) {
    throw new CliError(`cannot reach MongoDB at ${uri.replace(/\/\/[^/@]*@/, '//***@')} (${(err as Error).message}); is \`npm start\` running, or MONGODB_URI set?`, 2);
  }
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Checks every option before touching the database; a problem names its option and exits 1. */
export function checkAddOptions(opts: StaffAddOptions, env: NodeJS.ProcessEnv): { email: string; name: string; roles: StaffRole[]; clusters: string[]; password?: string } {
  const problems: string[] = [];
  const email = (opts.email ?? '').trim().toLowerCase();
  if (!z.string().email().safeParse(email).success) problems.push(`--email: ${JSON.stringify(opts.email ?? '')} is not an email address`);
  const name = (opts.name ?? '').trim();
  if (!name) problems.push('--name: must not be empty');
  if (opts.role.length === 0) problems.push(`--role: give at least one of ${STAFF_ROLES.join(', ')}`);
  for (const r of opts.role) if (!(STAFF_ROLES as readonly string[]).includes(r)) problems.push(`--role: ${JSON.stringify(r)} is not a role (${STAFF_ROLES.join(', ')})`);
  for (const c of opts.cluster) if (!/^[a-z0-9][a-z0-9-]*$/.test(c)) problems.push(`--cluster: ${JSON.stringify(c)} is not a cluster id (e.g. cum-1)`);
  const password = env.THIDUA_STAFF_PASSWORD || undefined;
  const weak = password === undefined ? undefined : passwordProblem(password);
  if (weak) problems.push(`THIDUA_STAFF_PASSWORD: ${weak}`);
  if (problems.length) throw new CliError(problems.join('\n'), 1);
  return { email, name, roles: opts.role as StaffRole[], clusters: opts.cluster, password };
}

export async function staffAdd(opts: StaffAddOptions, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const a = checkAddOptions(opts, env);
  const password = a.password ?? generatePassword();
  return withDb(async (db) => {
    try {
      await createAccount(db.models, { email: a.email, name: a.name, roles: a.roles, clusters: a.clusters.length ? a.clusters : undefined, password });
    } catch (err) {
      if (err instanceof StaffError) throw new CliError(err.code === 'exists' ? `--email: ${err.message}` : err.message, 1);
      throw err;
    }
    await db.models.Audit.create({ at: new Date(), actor: 'cli', action: 'staff.account-created', target: a.email, details: { roles: a.roles, clusters: a.clusters } });
    const scope = a.clusters.length ? `clusters ${a.clusters.join(', ')}` : 'every cluster';
    const lines = [`created ${a.email} (${a.name}): ${a.roles.join(', ')}; ${scope}`];
    // A generated password is shown this once; it is stored only as a hash.
    if (!a.password) lines.push(`password (shown once, change it through /password/forgot): ${password}`);
    return lines.join('\n');
  });
}

export async function staffList(): Promise<string> {
  return withDb(async (db) => {
    const rows = await listAccounts(db.models);
    if (rows.length === 0) return 'no staff accounts yet (thidua staff add --email … --name … --role …)';
    return rows
      .map((r) => {
        const scope = r.scope?.clusters ? `clusters ${r.scope.clusters.join(',')}` : 'all clusters';
        const state = r.disabledAt ? 'disabled' : r.lockedUntil && r.lockedUntil > new Date() ? 'locked' : 'active';
        return `${r._id}\t${r.name}\t${r.roles.join(',')}\t${scope}\t${state}`;
      })
      .join('\n');
  });
}
