import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const s = globalThis.__thiduaServers;
  if (!s) return;
  await Promise.all([s.temporal.stop(), s.mongo.stop()]);
  if (!process.env.THIDUA_KEEP_TEST_DATA) fs.rmSync(s.dir, { recursive: true, force: true });
}
