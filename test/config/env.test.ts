/**
 * Settings: parseEnv (validation, defaults, error messages), resolveSecrets (generated once, kept in
 * DATA_DIR/secrets.json, environment wins) and loadConfig (a `.env` file that never overrides the
 * real environment).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseEnv, resolveSecrets } from '../../config';

const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-config-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs parseEnv and returns the ConfigError it throws (fails the test if it does not throw one). */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    parseEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`parseEnv accepted ${JSON.stringify(env)}`);
}

const LONG_SECRET = 'L'.repeat(32);
const LONG_TOKEN = 'T'.repeat(16);

describe('parseEnv', () => {
  test('an empty environment gives the documented defaults', () => {
    expect(parseEnv({})).toEqual({
      TEMPORAL_ADDRESS: undefined,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_UI_URL: undefined,
      TASK_QUEUE: 'thidua',
      MONGODB_URI: undefined,
      SMTP_URL: undefined,
      MAIL_FROM: 'Thi đua – Khen thưởng <no-reply@thidua.local>',
      PUBLIC_BASE_URL: 'http://localhost:3000',
      PORT: 3000,
      DATA_DIR: path.resolve('.data'),
      LOG_LEVEL: 'info',
      EMBEDDED_SMTP_PORT: 2525,
      UPDATE_TIMEOUT_MS: 10000,
    });
  });

  test('good values are taken, trimmed and coerced; PUBLIC_BASE_URL loses its trailing slashes', () => {
    const c = parseEnv({
      TEMPORAL_ADDRESS: ' temporal:7233 ',
      MONGODB_URI: 'mongodb://db:27017/thidua',
      SMTP_URL: 'smtps://u:p@mail.example.org:465',
      PUBLIC_BASE_URL: 'https://thidua.example.org//',
      PORT: '8080',
      DATA_DIR: '/var/lib/thidua',
      LOG_LEVEL: 'debug',
      LINK_SECRET: LONG_SECRET,
      API_TOKEN: LONG_TOKEN,
      UPDATE_TIMEOUT_MS: '500',
    });
    expect(c).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      MONGODB_URI: 'mongodb://db:27017/thidua',
      SMTP_URL: 'smtps://u:p@mail.example.org:465',
      PUBLIC_BASE_URL: 'https://thidua.example.org',
      PORT: 8080,
      DATA_DIR: '/var/lib/thidua',
      LOG_LEVEL: 'debug',
      LINK_SECRET: LONG_SECRET,
      API_TOKEN: LONG_TOKEN,
      UPDATE_TIMEOUT_MS: 500,
    });
  });

  test('empty optional URLs mean "unset" (embedded servers)', () => {
    const c = parseEnv({ TEMPORAL_ADDRESS: '', MONGODB_URI: ' ', SMTP_URL: '' });
    expect([c.TEMPORAL_ADDRESS, c.MONGODB_URI, c.SMTP_URL]).toEqual([undefined, undefined, undefined]);
  });

  test.each<[string, string, string]>([
    ['PORT', 'abc', 'PORT: Invalid input: expected number, received NaN (got "abc")'],
    ['PORT', '70000', 'PORT: Too big: expected number to be <=65535 (got "70000")'],
    ['PORT', '0', 'PORT: Too small: expected number to be >=1 (got "0")'],
    ['PORT', '80.5', 'PORT: Invalid input: expected int, received number (got "80.5")'],
    ['EMBEDDED_SMTP_PORT', '99999', 'EMBEDDED_SMTP_PORT: Too big: expected number to be <=65535 (got "99999")'],
    ['TEMPORAL_ADDRESS', 'nohost', 'TEMPORAL_ADDRESS: must be host:port (got "nohost")'],
    ['TEMPORAL_ADDRESS', 'http://h:7233', 'TEMPORAL_ADDRESS: must be host:port (got "http://h:7233")'],
    ['MONGODB_URI', 'http://x', 'MONGODB_URI: must start with mongodb:// or mongodb+srv:// (got "http://x")'],
    ['SMTP_URL', 'ftp://x', 'SMTP_URL: must start with smtp:// or smtps:// (got "ftp://x")'],
    ['PUBLIC_BASE_URL', 'thidua.example.org', 'PUBLIC_BASE_URL: must start with http:// or https:// (got "thidua.example.org")'],
    ['LINK_SECRET', 'short-secret', 'LINK_SECRET: must be at least 32 characters (got "sh…")'],
    ['API_TOKEN', 'tok123', 'API_TOKEN: must be at least 16 characters (got "to…")'],
    ['UPDATE_TIMEOUT_MS', '50', 'UPDATE_TIMEOUT_MS: Too small: expected number to be >=100 (got "50")'],
  ])('%s=%s is refused, naming the variable', (name, value, problem) => {
    const err = configError({ [name]: value });
    expect(err.problems).toEqual([problem]);
    expect(err.message).toBe(`Invalid configuration:\n  - ${problem}`);
  });

  test('LOG_LEVEL=loud is refused with the allowed levels', () => {
    const err = configError({ LOG_LEVEL: 'loud' });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^LOG_LEVEL: /);
    expect(err.problems[0]).toContain('"fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"');
    expect(err.problems[0]).toContain('(got "loud")');
  });

  test('several bad values are all listed at once, in schema order', () => {
    const err = configError({
      PORT: 'abc',
      TEMPORAL_ADDRESS: 'nohost',
      MONGODB_URI: 'http://x',
      SMTP_URL: 'ftp://x',
      LINK_SECRET: 'x',
      API_TOKEN: 'y',
      LOG_LEVEL: 'loud',
    });
    expect(err.problems.map((p) => p.split(':')[0])).toEqual([
      'TEMPORAL_ADDRESS',
      'MONGODB_URI',
      'SMTP_URL',
      'LINK_SECRET',
      'API_TOKEN',
      'PORT',
      'LOG_LEVEL',
    ]);
    expect(err.message.split('\n')).toHaveLength(1 + 7);
  });

  test.each([
    ['LINK_SECRET', 'my-very-secret-but-short'],
    ['API_TOKEN', 'tokentoken'],
  ])('the value of %s is redacted in the message', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.message).not.toContain(value);
    expect(err.message).toContain(`(got "${value.slice(0, 2)}…")`);
  });

  // Credentials inside a URL are secrets too: an error message is printed to the console and logs.
  test.each([
    ['MONGODB_URI', 'mysql://admin:hunter2-pw@db:3306/x'],
    ['SMTP_URL', 'ftp://mailer:hunter2-pw@mail:21'],
  ])('a password inside a refused %s is not printed', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.problems[0]).toMatch(new RegExp(`^${name}: must start with`));
    expect(err.message).not.toContain('hunter2-pw');
  });
});

describe('resolveSecrets', () => {
  const secretsFile = (dir: string) => path.join(dir, 'secrets.json');

  test('unset secrets are generated once, stored with mode 0600, and the same values come back', () => {
    const dir = path.join(tmpDir(), 'nested', 'data'); // created on demand
    const first = resolveSecrets(parseEnv({ DATA_DIR: dir }));
    expect(first.LINK_SECRET).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(first.API_TOKEN).toMatch(/^[A-Za-z0-9_-]{32}$/); // 24 random bytes, base64url
    expect(first.LINK_SECRET).not.toBe(first.API_TOKEN);

    const file = secretsFile(dir);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ LINK_SECRET: first.LINK_SECRET, API_TOKEN: first.API_TOKEN });
    const mtime = fs.statSync(file).mtimeMs;
    expect(fs.readdirSync(dir)).toEqual(['secrets.json']); // no temp file left behind

    const second = resolveSecrets(parseEnv({ DATA_DIR: dir }));
    expect([second.LINK_SECRET, second.API_TOKEN]).toEqual([first.LINK_SECRET, first.API_TOKEN]);
    expect(fs.statSync(file).mtimeMs).toBe(mtime); // nothing changed, nothing rewritten
  });

  test('two different DATA_DIRs get different secrets', () => {
    const a = resolveSecrets(parseEnv({ DATA_DIR: tmpDir() }));
    const b = resolveSecrets(parseEnv({ DATA_DIR: tmpDir() }));
    expect(a.LINK_SECRET).not.toBe(b.LINK_SECRET);
    expect(a.API_TOKEN).not.toBe(b.API_TOKEN);
  });

  test('environment values win and are never written to the file', () => {
    const dir = tmpDir();
    const s = resolveSecrets(parseEnv({ DATA_DIR: dir, LINK_SECRET: LONG_SECRET }));
    expect(s.LINK_SECRET).toBe(LONG_SECRET);
    const stored = JSON.parse(fs.readFileSync(secretsFile(dir), 'utf8'));
    expect(Object.keys(stored)).toEqual(['API_TOKEN']);
    expect(stored.API_TOKEN).toBe(s.API_TOKEN);
    expect(fs.readFileSync(secretsFile(dir), 'utf8')).not.toContain(LONG_SECRET);
  });

  test('both from the environment: no file is written at all', () => {
    const dir = tmpDir();
    const s = resolveSecrets(parseEnv({ DATA_DIR: dir, LINK_SECRET: LONG_SECRET, API_TOKEN: LONG_TOKEN }));
    expect([s.LINK_SECRET, s.API_TOKEN]).toEqual([LONG_SECRET, LONG_TOKEN]);
    expect(fs.existsSync(secretsFile(dir))).toBe(false);
  });

  test('an environment value overrides a stored one, and the stored one is kept for later', () => {
    const dir = tmpDir();
    const generated = resolveSecrets(parseEnv({ DATA_DIR: dir }));
    const overridden = resolveSecrets(parseEnv({ DATA_DIR: dir, LINK_SECRET: LONG_SECRET }));
    expect(overridden.LINK_SECRET).toBe(LONG_SECRET);
    expect(overridden.API_TOKEN).toBe(generated.API_TOKEN);
    expect(JSON.parse(fs.readFileSync(secretsFile(dir), 'utf8'))).toEqual({
      LINK_SECRET: generated.LINK_SECRET,
      API_TOKEN: generated.API_TOKEN,
    });
    // Unset again: the stored one comes back.
    expect(resolveSecrets(parseEnv({ DATA_DIR: dir })).LINK_SECRET).toBe(generated.LINK_SECRET);
  });

  test('a corrupt secrets.json gives a clear error naming the file and is left untouched', () => {
    const dir = tmpDir();
    fs.writeFileSync(secretsFile(dir), '{"LINK_SECRET": "abc",');
    expect(() => resolveSecrets(parseEnv({ DATA_DIR: dir }))).toThrow(
      new RegExp(`^${secretsFile(dir).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON \\(.+\\); fix or remove it$`),
    );
    expect(fs.readFileSync(secretsFile(dir), 'utf8')).toBe('{"LINK_SECRET": "abc",');
  });
});

describe('loadConfig', () => {
  function envFile(contents: string): { dir: string; file: string } {
    const dir = tmpDir();
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, contents);
    return { dir, file };
  }

  test('.env values are used, but never override the real environment', () => {
    const { dir, file } = envFile(
      ['PORT=4000', 'LOG_LEVEL=debug', 'TASK_QUEUE=from-file', '# a comment', 'SMTP_URL="smtp://mail:25"'].join('\n'),
    );
    const env = { DATA_DIR: dir, PORT: '5000', TASK_QUEUE: 'from-env' };
    const c = loadConfig(env, file);
    expect(c).toMatchObject({
      PORT: 5000,
      TASK_QUEUE: 'from-env',
      LOG_LEVEL: 'debug',
      SMTP_URL: 'smtp://mail:25',
      DATA_DIR: dir,
      PUBLIC_BASE_URL: 'http://localhost:5000',
    });
    expect(c.LINK_SECRET).toHaveLength(43);
    expect(env).toEqual({ DATA_DIR: dir, PORT: '5000', TASK_QUEUE: 'from-env' }); // not mutated
  });

  test('an empty string in the real environment still wins over .env', () => {
    const { dir, file } = envFile('SMTP_URL=smtp://mail:25\n');
    expect(loadConfig({ DATA_DIR: dir, SMTP_URL: '' }, file).SMTP_URL).toBeUndefined();
  });

  test('secrets from .env are used and not stored; the others are generated and stored', () => {
    const { dir, file } = envFile(`LINK_SECRET=${LONG_SECRET}\n`);
    const c = loadConfig({ DATA_DIR: dir }, file);
    expect(c.LINK_SECRET).toBe(LONG_SECRET);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8'))).toEqual({ API_TOKEN: c.API_TOKEN });
  });

  test('a missing .env file is fine', () => {
    const dir = tmpDir();
    const c = loadConfig({ DATA_DIR: dir }, path.join(dir, 'does-not-exist.env'));
    expect(c.PORT).toBe(3000);
  });

  test('a bad value in .env is refused with a ConfigError naming it', () => {
    const { dir, file } = envFile('PORT=abc\nTEMPORAL_ADDRESS=nohost\n');
    expect(() => loadConfig({ DATA_DIR: dir }, file)).toThrow(ConfigError);
    try {
      loadConfig({ DATA_DIR: dir }, file);
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        'TEMPORAL_ADDRESS: must be host:port (got "nohost")',
        'PORT: Invalid input: expected number, received NaN (got "abc")',
      ]);
    }
    expect(fs.existsSync(path.join(dir, 'secrets.json'))).toBe(false); // nothing generated on a bad config
  });
});
