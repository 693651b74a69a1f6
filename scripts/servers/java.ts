import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface JavaInfo {
  /** Absolute, symlink-free path: a CDS archive only fits the exact JVM that wrote it. */
  executable: string;
  /** First line of `java -version`, e.g. 'openjdk version "17.0.15" 2025-04-15'. */
  version: string;
}

/** Find java via $JAVA_HOME, then PATH; throw with install advice if absent. */
export function findJava(): JavaInfo {
  const candidates: string[] = [];
  if (process.env.JAVA_HOME) candidates.push(path.join(process.env.JAVA_HOME, 'bin', 'java'));
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir) candidates.push(path.join(dir, 'java'));
  }
  for (const candidate of candidates) {
    if (!isExecutable(candidate)) continue;
    const executable = fs.realpathSync(candidate);
    // `java -version` prints to stderr.
    const res = spawnSync(executable, ['-version'], { encoding: 'utf8', timeout: 20_000 });
    if (res.status === 0) return { executable, version: res.stderr.split('\n')[0]?.trim() ?? 'unknown' };
  }
  throw new Error(
    'Cannot run the Temporal test server: no working `java` found (looked at $JAVA_HOME/bin/java and PATH). ' +
      'Install a JDK/JRE >= 17, e.g. `apt-get install openjdk-17-jre-headless`.',
  );
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
