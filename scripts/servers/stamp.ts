/**
 * Content stamps: decide whether a cached build is still current.
 *
 * We hash the inputs of a build (source files, pinned versions) and store the
 * hash next to the output. Cheaper and more reliable than mtimes, which git
 * checkouts reset.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

export function hashInputs(parts: Array<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

export function hashFiles(files: string[], extra: string[] = []): string {
  return hashInputs([...files.map((f) => fs.readFileSync(f)), ...extra]);
}

export function readStamp(stampFile: string): string | undefined {
  try {
    return fs.readFileSync(stampFile, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function writeStamp(stampFile: string, stamp: string): void {
  fs.writeFileSync(stampFile, `${stamp}\n`);
}
