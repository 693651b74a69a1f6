import { spawnSync } from 'node:child_process';

/**
 * Run `cmd args` and return its trimmed stdout if it exits 0, else undefined.
 * Used to detect tools on PATH (`temporal --version`, `mongod --version`)
 * without treating a missing tool as an error.
 */
export function tryRun(cmd: string, args: string[], timeoutMs = 10_000): string | undefined {
  const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error || res.status !== 0) return undefined;
  return res.stdout.trim();
}
