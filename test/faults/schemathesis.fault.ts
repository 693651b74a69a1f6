/**
 * API fuzzing: schemathesis (PyPI, pinned in scripts/servers/schemathesis.ts) reads the api's own
 * /openapi.json and sends generated requests — valid and invalid — to every operation of the real api
 * (its own Temporal dev server, MongoDB-compatible server, SMTP server and worker process), with the
 * API token. It checks every answer: no 5xx, the status, content type, headers and body as the
 * document describes them, invalid input refused, auth enforced. A cycle is running (half of the
 * time a path parameter names one of its real rows, so the deeper code runs too). The test
 * passes only if schemathesis exits 0; otherwise its failures are printed.
 * THIDUA_FUZZ_EXAMPLES (default 25) sets the examples per operation, THIDUA_FUZZ_SEED the seed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import { ensureSchemathesis } from '../../scripts/servers/schemathesis';
import { API_TOKEN, faultStack, launch, say, terminateCycle, UNITS } from './stack';

const L = 'fuzz';
const EXAMPLES = Number(process.env.THIDUA_FUZZ_EXAMPLES ?? 25);
const SEED = Number(process.env.THIDUA_FUZZ_SEED ?? Math.floor(Math.random() * 1e6));

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', PYTHONUNBUFFERED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    // A command that cannot start (ENOENT) ends here, not in 'close': fail at once instead of waiting for the timeout.
    child.on('error', (err) => resolve({ code: -1, output: `${output}\n${cmd} could not run: ${err.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('fault: API fuzzing with schemathesis', () => {
  let server: Server | undefined;
  let cycleId: string | undefined;
  let st: string;

  beforeAll(async () => {
    st = await ensureSchemathesis();
  });
  const stack = faultStack(L, {
    beforeStop: async ({ api }) => {
      if (api && cycleId) await terminateCycle(api, cycleId);
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
    },
  });

  test('no 5xx and no answer outside the document', async () => {
    const { api } = await stack.startApi('fuzz');
    await stack.startWorker();
    ({ cycleId } = await launch(api, 'fault-fuzz', { opens: 1, reminders: [600, 700], due: 800, grace: 900, escalation: 1000 }));
    const app = api.app;
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    say(L, `api at ${base}, cycle ${cycleId}, ${EXAMPLES} examples per operation, seed ${SEED}`);

    const common = [
      'run',
      `${base}/openapi.json`,
      '--checks',
      'all',
      '-H',
      `Authorization: Bearer ${API_TOKEN}`,
      '--max-examples',
      String(EXAMPLES),
      '--seed',
      String(SEED),
      '--workers',
      '1',
      '--request-timeout',
      '30',
      '--no-shrink',
      '--phases',
      'examples,coverage,fuzzing',
    ];
    // Half of the time a path parameter names a real row of the running cycle, so the deeper code runs too.
    const config = path.join(stack.dir, 'schemathesis.toml');
    const dictionary = (name: string, values: string[]) => `[dictionaries.${name}]\nvalues = ${JSON.stringify(values)}\n`;
    fs.writeFileSync(
      config,
      [
        dictionary('cycles', [cycleId]),
        dictionary('units', [...UNITS]),
        dictionary('clusters', ['cum-1']),
        dictionary('stages', ['registration', 'midYear', 'reports']),
        dictionary('steps', ['registration']),
        dictionary('documents', ['plan.docx', 'plan.html']),
        '[parameters]',
        ...[['cycleId', 'cycles'], ['unitId', 'units'], ['clusterId', 'clusters'], ['stage', 'stages'], ['step', 'steps'], ['name', 'documents']].map(
          ([p, d]) => `"path.${p}" = { dictionary = "${d}", probability = 0.5 }`,
        ),
        // A request can match the document's shapes and still break a rule a JSON schema cannot say (a
        // real calendar date, a reviewer who is one of the plan's staff, a step's own fields): a 400
        // naming the problem is the right answer to it.
        '[checks.positive_data_acceptance]',
        'expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]',
        '',
      ].join('\n'),
    );
    const started = Date.now();
    const r = await run(st, ['--config-file', config, ...common], stack.dir);
    say(L, `schemathesis exit ${r.code} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (r.code !== 0) process.stdout.write(`\n──── schemathesis ────\n${r.output.slice(-25000)}\n`);
    else {
      // Its warnings (operations that only ever saw 401 or 404) and summary.
      const from = [r.output.indexOf('=== WARNINGS'), r.output.indexOf('=== SUMMARY'), 0].find((i) => i >= 0)!;
      process.stdout.write(`${r.output.slice(Math.max(0, from - 40))}\n`);
    }
    // What the run did to the cycle (the coordinator's changes are audited): it reached the real rows.
    const audited = await api.db.models.Audit.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$action', n: { $sum: 1 } } }]);
    say(L, `audit after the run: ${JSON.stringify(audited)}`);
    // The server is healthy after the run.
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(r.code).toBe(0);
  });
});
