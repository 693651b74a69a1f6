import { spawn } from 'node:child_process';

export interface RunCommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** What we were trying to do, for the error message ("build the Temporal CLI"). */
  purpose: string;
  /** What the user can do if it fails; appended to the error message. */
  hint?: string;
}

/**
 * Run a one-shot command (a build, a Maven fetch) to completion.
 *
 * Output is captured rather than inherited so that setup stays quiet when it
 * works, and the tail of it goes into the error when it does not.
 */
export function runCommand(cmd: string, args: string[], opts: RunCommandOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const fail = (why: string): void => {
      const tail = output.trim().split('\n').slice(-30).join('\n');
      const lines = [
        `Could not ${opts.purpose}.`,
        `Tried: ${[cmd, ...args].join(' ')}${opts.cwd ? ` (in ${opts.cwd})` : ''}`,
        `Result: ${why}`,
      ];
      if (tail) lines.push(`Last output:\n${tail}`);
      if (opts.hint) lines.push(`What to do: ${opts.hint}`);
      reject(new Error(lines.join('\n')));
    };
    child.on('error', (err) => fail(err.message));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else fail(signal ? `killed by ${signal}` : `exit code ${code}`);
    });
  });
}
