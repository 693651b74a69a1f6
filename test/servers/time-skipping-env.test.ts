/**
 * createTimeSkippingEnv starts the test server again when the first start does not answer within the
 * SDK's 5 s (a JVM on a loaded machine): shown with a wrapper whose first start never listens.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTimeSkippingEnv } from '../../scripts/servers';
import { required } from '../helpers/env';

jest.setTimeout(120_000);

function slowFirstStart(dir: string): string {
  const script = path.join(dir, 'slow-first-start');
  const marker = path.join(dir, 'started-once');
  // The first start sleeps past the SDK's 5 s; later ones exec the real server.
  fs.writeFileSync(script, `#!/usr/bin/env bash\nif [[ ! -f '${marker}' ]]; then touch '${marker}'; exec sleep 30; fi\nexec '${required('THIDUA_TEST_SERVER_PATH')}' "$@"\n`, { mode: 0o755 });
  return script;
}

test('a start that does not answer in time is tried again', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-slow-start-'));
  const env = await createTimeSkippingEnv(slowFirstStart(dir), 2);
  try {
    expect(fs.existsSync(path.join(dir, 'started-once'))).toBe(true);
    expect(await env.currentTimeMs()).toBeGreaterThan(0);
  } finally {
    await env.teardown();
  }
});

test('it gives up after the attempts allowed, with the SDK’s message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-slow-start-'));
  await expect(createTimeSkippingEnv(slowFirstStart(dir), 1)).rejects.toThrow(/did not start within/);
});
