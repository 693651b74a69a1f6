#!/usr/bin/env node
/*
 * The Debian packages the documents need (plain JS: runs before node_modules exists):
 * - chromium: prints each official document to PDF (lib/documents/pdf.ts);
 * - fonts-liberation2: Times/Arial-metric fonts with the precomposed Vietnamese capitals (Ủ, Ư, Ế…);
 * - poppler-utils: pdftoppm/pdftotext, with which the tests look at the PDFs.
 * Run by .ci/run and before `npm test`/`npm start` (scripts/ensure-deps.js). When something is missing
 * it is installed with apt-get if we are root on a machine with apt (a fresh CI machine); otherwise it
 * stops with the command to run. Costs a few stat calls when all is in place.
 */
const { execFileSync, execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const onPath = (bin) => {
  if (bin.includes('/')) return fs.existsSync(bin);
  return (process.env.PATH || '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, bin)));
};

/** Each package with how to tell it is there. */
const PACKAGES = [
  { name: 'chromium', present: () => onPath(process.env.THIDUA_CHROMIUM || 'chromium') },
  { name: 'fonts-liberation2', present: () => fs.existsSync('/usr/share/fonts/truetype/liberation2') },
  { name: 'poppler-utils', present: () => onPath('pdftoppm') && onPath('pdftotext') },
];

function ensureSystemDeps() {
  const missing = PACKAGES.filter((p) => !p.present()).map((p) => p.name);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot || !onPath('apt-get')) {
    console.error(
      `[thidua] missing system packages: ${missing.join(', ')} (PDF documents need them).\n` +
        `[thidua] install them, e.g. on Debian/Ubuntu: sudo ${command}\n` +
        '[thidua] or point THIDUA_CHROMIUM at a Chromium binary and install fonts-liberation2 and poppler-utils yourself.',
    );
    process.exit(1);
  }
  console.log(`[thidua] installing system packages: ${missing.join(' ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Wait for another apt run (unattended upgrades, a parallel job) instead of failing on its lock.
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  execFileSync('apt-get', ['-qq', ...lock, 'update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['-qq', '-y', ...lock, 'install', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const still = PACKAGES.filter((p) => !p.present()).map((p) => p.name);
  if (still.length) {
    console.error(`[thidua] still missing after apt-get: ${still.join(', ')}`);
    process.exit(1);
  }
  // Make new fonts visible to Chromium straight away.
  if (onPath('fc-cache')) execSync('fc-cache -f', { stdio: 'ignore' });
}

module.exports = { ensureSystemDeps };
if (require.main === module) ensureSystemDeps();
