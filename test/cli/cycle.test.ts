/** `thidua cycle start` and `thidua cycle status` against a real api (dev server, worker, SMTP). */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { stringify } from 'yaml';
import { required } from '../helpers/env';
import { createHarness, TEST_TOKEN, type Harness } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';

const root = path.resolve(__dirname, '../..');
const thidua = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(path.join(root, 'node_modules/.bin/tsx'), ['cli/index.ts', ...args], { cwd: root, env: { ...process.env, API_TOKEN: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('thidua cycle', () => {
  let connection: Connection;
  let native: NativeConnection;
  let h: Harness;
  let base = '';
  let server: import('node:http').Server;

  beforeAll(async () => {
    const address = required('THIDUA_TEST_TEMPORAL_ADDRESS');
    connection = await Connection.connect({ address });
    native = await NativeConnection.connect({ address });
    h = await createHarness({ label: 'cli', client: new Client({ connection }), connection: native, taskQueue: 'cli-test' });
    server = h.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.close();
    await h?.close();
    await native?.close();
    await connection?.close();
  });

  test('start waits until every unit runs; status shows steps by status and who is overdue', async () => {
    const year = new Date().getUTCFullYear() + 1;
    const plan = { ...smallPlan(), body: { id: 'cli-check', name: 'Ủy ban MTTQ Việt Nam huyện Định Quán' }, year, stages: { registration: { deadline: `${year}-12-10` } } };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-cli-')), 'plan.yaml');
    fs.writeFileSync(file, stringify(plan));
    await h.runWorker(async () => {
      const started = await thidua('cycle', 'start', file, '--api', base, '--token', TEST_TOKEN, '--timeout', '60');
      expect(started.stderr).toBe('');
      expect(started.code).toBe(0);
      expect(started.stdout).toContain(`started thidua:cli-check:${year}: 2 clusters, 6 units`);
      expect(started.stdout).toContain('6/6');

      const again = await thidua('cycle', 'start', file, '--api', base, '--token', TEST_TOKEN);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('HTTP 409');

      const status = await thidua('cycle', 'status', `thidua:cli-check:${year}`, '--api', base, '--token', TEST_TOKEN);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`thidua:cli-check:${year}: running`);
      expect(status.stdout).toContain('registration: 6 open');
      expect(status.stdout).not.toContain('overdue');
    });
    const wrongToken = await thidua('cycle', 'status', `thidua:cli-check:${year}`, '--api', base, '--token', 'wrong-token-wrong-token');
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toContain('HTTP 401');
    const noApi = await thidua('cycle', 'status', 'x', '--api', 'http://127.0.0.1:1', '--token', TEST_TOKEN);
    expect(noApi.code).toBe(1);
    expect(noApi.stderr).toContain('did not answer');
    await new Client({ connection }).workflow.getHandle(`thidua:cli-check:${year}:cycle`).terminate('test over');
  });
});
