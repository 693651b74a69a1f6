/**
 * `npm start`: the whole system on embedded defaults. For each of TEMPORAL_ADDRESS, MONGODB_URI and
 * SMTP_URL left unset it runs a real local server (data under DATA_DIR, so a second start finds every
 * workflow and document again), then the api and the worker as child processes. Ctrl-C stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfigOrExit } from '../config';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';
import { startMongo, startTemporalDev } from './servers';
import { setupServers } from './servers/setup';

const TEMPORAL_PORT = 7233;
const TEMPORAL_UI_PORT = 8233;
const MONGO_PORT = 27117;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const say = (line: string) => console.log(`[thidua] ${line}`);
  const stops: (() => Promise<void>)[] = [];
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    say('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  if (!config.TEMPORAL_ADDRESS || !config.MONGODB_URI) await setupServers((l) => say(l));

  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: config.DATA_DIR };
  let temporalUi = config.TEMPORAL_UI_URL;
  if (!config.TEMPORAL_ADDRESS) {
    const t = await startTemporalDev({
      dbFile: path.join(config.DATA_DIR, 'temporal.db'),
      port: TEMPORAL_PORT,
      uiPort: TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      searchAttributes: { ...SEARCH_ATTRIBUTE_TYPES },
    });
    stops.push(t.stop);
    env.TEMPORAL_ADDRESS = t.address;
    temporalUi = t.uiUrl;
    say(`Temporal dev server: ${t.address} (data ${config.DATA_DIR}/temporal.db, log ${t.logFile})`);
  }
  if (!config.MONGODB_URI) {
    const m = await startMongo({ dataDir: path.join(config.DATA_DIR, 'mongo'), port: MONGO_PORT });
    stops.push(m.stop);
    env.MONGODB_URI = `${m.uri}thidua`;
    say(`MongoDB-compatible server (${m.kind}): ${env.MONGODB_URI} (log ${m.logFile})`);
  }
  if (temporalUi) env.TEMPORAL_UI_URL = temporalUi;

  const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  const run = (name: string, entry: string, childEnv: NodeJS.ProcessEnv) => {
    const child = spawn(tsx, [entry], { env: childEnv, stdio: 'inherit' });
    child.once('exit', (code) => {
      if (!stopping) {
        say(`${name} exited (${code ?? 'signal'}); stopping everything`);
        void stopAll(1);
      }
    });
    children.push(child);
  };
  // The SMTP server lives in the api process (never in the worker): the worker sends to it.
  run('api', 'api/main.ts', env);
  run('worker', 'worker/main.ts', {
    ...env,
    SMTP_URL: config.SMTP_URL ?? `smtp://127.0.0.1:${config.EMBEDDED_SMTP_PORT}`,
  });

  const base = `http://localhost:${config.PORT}`;
  say('started. Open:');
  say(`  app / health       ${base}/health`);
  if (!config.SMTP_URL) say(`  mailbox            ${base}/mailbox   (SMTP on 127.0.0.1:${config.EMBEDDED_SMTP_PORT})`);
  if (temporalUi) say(`  Temporal UI        ${temporalUi}`);
  say(`  API token          in ${config.API_TOKEN === process.env.API_TOKEN ? 'API_TOKEN' : path.join(config.DATA_DIR, 'secrets.json')}`);
  say('Ctrl-C stops everything.');
}

main().catch((err) => {
  console.error(`[thidua] start failed: ${(err as Error).message}`);
  process.exit(1);
});
