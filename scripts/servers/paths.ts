/**
 * Where the servers' binaries and caches live.
 *
 * Everything we build or download goes under one git-ignored folder so that a
 * `rm -rf .tools` is a complete reset, and CI can cache a single directory.
 */
import * as path from 'node:path';

/** Repository root: this file sits at scripts/servers/paths.ts. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Folder holding our server sources (pom.xml, the FerretDB main). */
export const SERVERS_SRC_DIR = __dirname;

/** `.tools/` at the repo root, or `$THIDUA_TOOLS_DIR` when set. */
export function toolsDir(): string {
  const fromEnv = process.env.THIDUA_TOOLS_DIR;
  return fromEnv ? path.resolve(fromEnv) : path.join(REPO_ROOT, '.tools');
}

/** `<tools>/bin`: the executables we build (temporal, thidua-ferretdb). */
export function toolsBinDir(): string {
  return path.join(toolsDir(), 'bin');
}
