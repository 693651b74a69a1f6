// Lint: TypeScript rules everywhere, and the determinism fence around workflows/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process', 'dns', 'url', 'util', 'stream', 'events', 'timers', 'worker_threads', 'zlib', 'process'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tools/**', '.data/**', 'coverage/**', 'test-artifacts/**', 'jest.config.js', 'scripts/ensure-deps.js', 'scripts/ensure-system-deps.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  {
    // Jest loads its reporters untransformed, so they are CommonJS.
    files: ['test/setup/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Workflow code is replayed: it may not touch I/O, real time or randomness, and imports
    // activities as types only. (The SDK also swaps Date and Math.random for deterministic ones,
    // but reaching for them here is a sign the logic belongs in an activity or in rules/.)
    files: ['workflows/**/*.ts', 'simulation/participant-workflow.ts', 'simulation/workflows.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.flatMap((n) => [
              { name: n, message: 'Workflows are deterministic: do I/O in an activity.' },
              { name: `node:${n}`, message: 'Workflows are deterministic: do I/O in an activity.' },
            ]),
            { name: 'mongoose', message: 'Workflows never touch the database: use an activity.' },
            { name: 'nodemailer', message: 'Workflows never send mail: use an activity.' },
            { name: 'luxon', message: 'Calendar maths happens in rules/ before the workflow starts.' },
          ],
          patterns: [
            { group: ['../../activities', '../../activities/*', '../activities', '../activities/*', './activities'], allowTypeImports: true, message: 'Import activities as types only (proxyActivities).' },
            { group: ['**/lib/*', '**/api/*', '**/config/*'], message: 'Workflows may import only workflows/, rules/ and @temporalio/*.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() or condition() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop.' },
        { name: 'process', message: 'Workflows cannot read the environment.' },
        { name: 'fetch', message: 'Do network I/O in an activity.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use uuid4() or a value passed in.' },
      ],
    },
  },
);
