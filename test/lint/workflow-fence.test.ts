/** The lint fence around workflows/ really refuses non-deterministic code (and allows type imports). */
import { execFile } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
/** The real eslint CLI with the project's config, fed the code as if it were a file in workflows/. */
const lintAsWorkflow = (code: string) =>
  new Promise<(string | null)[]>((resolve, reject) => {
    const child = execFile(
      path.join(root, 'node_modules/.bin/eslint'),
      ['--stdin', '--stdin-filename', 'workflows/cycle/example.ts', '--format', 'json'],
      { cwd: root },
      (err, stdout) => {
        try {
          resolve((JSON.parse(stdout) as { messages: { ruleId: string | null }[] }[])[0].messages.map((m) => m.ruleId));
        } catch {
          reject(err ?? new Error(`eslint printed no JSON: ${stdout}`));
        }
      },
    );
    child.stdin!.end(code);
  });

test.each([
  ["import fs from 'node:fs'; export const x = fs;", 'no-restricted-imports'],
  ["import mongoose from 'mongoose'; export const x = mongoose;", 'no-restricted-imports'],
  ["import { createActivities } from '../../activities'; export const x = createActivities;", 'no-restricted-imports'],
  ["import { connectDb } from '../../lib/db'; export const x = connectDb;", 'no-restricted-imports'],
  ['export const x = Math.random();', 'no-restricted-properties'],
  ['export const x = setTimeout(() => 1, 5);', 'no-restricted-globals'],
  ['export const x = process.env.HOME;', 'no-restricted-globals'],
])('refuses %s', async (code, rule) => {
  expect(await lintAsWorkflow(code)).toContain(rule);
});

test('allows type-only imports of activities and the SDK', async () => {
  const code = "import type { Activities } from '../../activities';\nimport { sleep } from '@temporalio/workflow';\nexport type A = Activities;\nexport const s = sleep;\n";
  expect(await lintAsWorkflow(code)).toEqual([]);
});
