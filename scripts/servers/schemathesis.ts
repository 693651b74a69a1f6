/**
 * Schemathesis (API fuzzing from the OpenAPI document, used by test/faults/schemathesis.fault.ts),
 * installed from PyPI at a pinned version into its own virtualenv under <tools>/schemathesis-<version>/
 * the first time it is needed, then cached (a finished install leaves a stamp).
 *
 *   tsx scripts/servers/schemathesis.ts     # prints the path of `st`
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toolsDir } from './paths';
import { runCommand } from './run-command';
import { withToolsLock } from './tools-lock';
import { tryRun } from './try-run';

export const SCHEMATHESIS_VERSION = '4.32.5';

export function schemathesisDir(): string {
  return path.join(toolsDir(), `schemathesis-${SCHEMATHESIS_VERSION}`);
}

const stPath = () => path.join(schemathesisDir(), 'venv', 'bin', 'st');
const stampFile = () => path.join(schemathesisDir(), 'installed.stamp');
// A virtualenv's scripts name its python by absolute path: a .tools folder that was moved or copied
// leaves an `st` that cannot start. Runnable, then, not merely present (and rebuilt otherwise).
const installed = () => fs.existsSync(stampFile()) && fs.existsSync(stPath()) && (tryRun(stPath(), ['--version'], 60_000)?.includes(SCHEMATHESIS_VERSION) ?? false);

/** The `st` executable of the pinned version, installing it on first use (about a minute). */
export async function ensureSchemathesis(): Promise<string> {
  if (installed()) return stPath();
  return withToolsLock('schemathesis', async () => {
    if (installed()) return stPath();
    const python = ['python3', 'python'].find((p) => tryRun(p, ['--version']));
    if (!python) throw new Error('Could not install schemathesis: no python3 on PATH. Install Python 3.9+ (with venv).');
    const dir = schemathesisDir();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const venv = path.join(dir, 'venv');
    await runCommand(python, ['-m', 'venv', venv], { purpose: 'create the schemathesis virtualenv', hint: 'install the python3-venv package' });
    await runCommand(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], {
      purpose: `install schemathesis ${SCHEMATHESIS_VERSION} from PyPI`,
      hint: 'check that PyPI is reachable (pip config / PIP_INDEX_URL)',
    });
    const version = tryRun(stPath(), ['--version']);
    if (!version?.includes(SCHEMATHESIS_VERSION)) throw new Error(`schemathesis installed, but \`st --version\` says: ${version}`);
    fs.writeFileSync(stampFile(), `${SCHEMATHESIS_VERSION}\n`);
    return stPath();
  });
}

if (require.main === module) {
  ensureSchemathesis().then(
    (st) => console.log(st),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
