#!/usr/bin/env node
/*
 * Runs before `npm start` and `npm test` (plain JS: it must work before node_modules exists).
 * Installs npm dependencies when they are missing or older than package-lock.json, so both commands
 * work on a fresh clone with nothing run before them, and cost nothing when all is in place.
 */
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const marker = path.join(root, 'node_modules', '.package-lock.json');
const stale = !fs.existsSync(marker) || fs.statSync(marker).mtimeMs < fs.statSync(lock).mtimeMs;
// A node_modules that is a symlink belongs to another checkout (e.g. a git worktree sharing one
// install): `npm ci` here would empty it under that checkout's feet, so leave it to its owner.
const shared = fs.existsSync(path.join(root, 'node_modules')) && fs.lstatSync(path.join(root, 'node_modules')).isSymbolicLink();
if (stale && shared) {
  console.log('[thidua] node_modules is a shared symlink: not reinstalling it here (run npm ci where it lives if it is out of date)');
} else if (stale) {
  console.log('[thidua] installing npm dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

// Chromium, fonts and poppler for the PDF documents (apt-get on a fresh root machine, else a clear error).
require('./ensure-system-deps').ensureSystemDeps();
