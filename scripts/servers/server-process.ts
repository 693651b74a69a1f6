/**
 * Start a long-running server as a child process and stop it reliably.
 *
 * Two guarantees matter for dev and tests:
 *  - stop() always ends the process: SIGTERM first so servers can flush
 *    their databases, SIGKILL if it lingers.
 *  - the server never outlives us: on a normal exit we kill it synchronously,
 *    and a tiny shell watchdog kills it if we die without running exit
 *    handlers (SIGKILL, a crashed jest worker).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitUntil } from './wait';

export interface ServerProcess {
  readonly pid: number;
  /** Log file receiving the server's stdout and stderr. */
  readonly logFile: string;
  /** Null while running; the exit code or signal once it has exited. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnServerOptions {
  /** Human name for error messages ("Temporal dev server"). */
  name: string;
  command: string;
  args: string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const running = new Set<ChildProcess>();

// A synchronous kill is all an 'exit' handler may do; it covers normal exits
// and process.exit() calls (jest's forceExit, CLI errors).
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function spawnServer(opts: SpawnServerOptions): ServerProcess {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const logFd = fs.openSync(opts.logFile, 'a');
  fs.writeSync(logFd, `\n=== ${new Date().toISOString()} ${opts.command} ${opts.args.join(' ')}\n`);

  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', logFd, logFd],
  });
  // The child holds its own copy of the descriptor.
  fs.closeSync(logFd);

  if (child.pid === undefined) {
    // Without a listener the pending 'error' event would crash the process.
    child.once('error', () => undefined);
    throw new Error(
      `Could not start the ${opts.name}: ${opts.command} did not spawn (is it installed and executable?). ` +
        `See ${opts.logFile}.`,
    );
  }
  const pid = child.pid;
  running.add(child);
  const watchdog = startWatchdog(pid);

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      running.delete(child);
      watchdog?.kill('SIGKILL');
      resolve();
    });
  });
  // A spawn failure (ENOENT) is reported asynchronously; record it as an exit
  // so readiness checks fail fast instead of waiting for their timeout.
  child.once('error', (err) => {
    fs.appendFileSync(opts.logFile, `spawn error: ${err.message}\n`);
    exitInfo ??= { code: -1, signal: null };
    running.delete(child);
  });

  return {
    pid,
    logFile: opts.logFile,
    exited: () => exitInfo,
    async stop(graceMs = 5000) {
      if (exitInfo) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/**
 * A detached `sh` that polls our pid and kills the server when we are gone.
 * Exit handlers cannot run on SIGKILL, and Linux's PR_SET_PDEATHSIG is not
 * reachable from Node, so this is the portable way to avoid orphans.
 */
function startWatchdog(serverPid: number): ChildProcess | undefined {
  const script =
    'while kill -0 "$0" 2>/dev/null; do sleep 1; done; ' +
    'kill -TERM "$1" 2>/dev/null; sleep 3; kill -KILL "$1" 2>/dev/null';
  try {
    const dog = spawn('/bin/sh', ['-c', script, String(process.pid), String(serverPid)], {
      detached: true,
      stdio: 'ignore',
    });
    dog.unref();
    return dog;
  } catch {
    return undefined; // Best effort: the exit handler still covers normal exits.
  }
}

/**
 * Waits until `ready` succeeds for a server just spawned, failing at once if its process exits. If it
 * never does, the process is stopped and the error says `<failure>: <why>`, the command, the last lines
 * of the log and what to do.
 */
export async function awaitServerReady(
  proc: ServerProcess,
  ready: () => Promise<unknown>,
  opts: { timeoutMs: number; intervalMs: number; failure: string; command: string; args: string[]; whatToDo: string },
): Promise<void> {
  try {
    await waitUntil(ready, {
      timeoutMs: opts.timeoutMs,
      intervalMs: opts.intervalMs,
      abortIf: () => {
        const exit = proc.exited();
        if (exit) throw new Error(`the process exited early (code ${exit.code}, signal ${exit.signal})`);
      },
    });
  } catch (err) {
    await proc.stop(1000);
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${opts.failure}: ${why}\n` +
        `Command: ${opts.command} ${opts.args.join(' ')}\n` +
        `Log ${proc.logFile}, last lines:\n${logTail(proc.logFile)}\n` +
        `What to do: ${opts.whatToDo}`,
      { cause: err },
    );
  }
}

/** Last lines of a log file, for error messages. */
export function logTail(logFile: string, lines = 20): string {
  try {
    return fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(log file not readable)';
  }
}
