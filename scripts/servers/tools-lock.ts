/**
 * Cross-process lock for building into the tools dir.
 *
 * Jest workers, `npm start` and CI may all call ensure*() at once on a fresh
 * machine; without a lock two `go build`s or Maven fetches would race on the
 * same output. mkdir is atomic, so a lock is a directory holding the owner's
 * pid; a lock whose owner is dead is taken over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toolsDir } from './paths';

const POLL_MS = 500;

export async function withToolsLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(toolsDir(), { recursive: true });
  const lockDir = path.join(toolsDir(), `.lock-${name}`);
  const ownerFile = path.join(lockDir, 'pid');
  let waitedFor: number | undefined;

  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(ownerFile);
    const dead = owner !== undefined ? !isAlive(owner) : ageMs(lockDir) > 10_000;
    if (dead) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (owner !== undefined && owner !== waitedFor) {
      waitedFor = owner;
      process.stderr.write(`Waiting for process ${owner} to finish building ${name} (lock ${lockDir})...\n`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }

  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // Just created by another process that has not written its pid yet.
    return undefined;
  }
}

/** Age of the lock; a pid-less lock this old was left by a crash right after mkdir. */
function ageMs(dir: string): number {
  try {
    return Date.now() - fs.statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
