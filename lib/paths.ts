import fs from 'node:fs';
import path from 'node:path';

/** The project root (where package.json is), whether we run from sources or from dist/. */
export const projectRoot: string = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = up;
  }
  return dir;
})();

export const templatesDir = path.join(projectRoot, 'templates');
export const workflowsPath = (() => {
  const ts = path.join(projectRoot, 'workflows', 'index.ts');
  const built = path.join(projectRoot, 'dist', 'workflows', 'index.js');
  return fs.existsSync(ts) ? ts : built;
})();
