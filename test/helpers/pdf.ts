/**
 * Looking at a PDF the way a reader would, with poppler-utils (scripts/ensure-system-deps.js installs
 * it): its text (pdftotext) and its first page as pixels (pdftoppm → binary PGM, parsed here).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function withFile<T>(pdf: Buffer, fn: (file: string, dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-pdf-test-'));
  try {
    const file = path.join(dir, 'in.pdf');
    fs.writeFileSync(file, pdf);
    return fn(file, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of every page, in reading order (pdftotext, UTF-8). */
export function pdfText(pdf: Buffer): string {
  return withFile(pdf, (file) => execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
}

/** How many pages (pdfinfo). */
export function pdfPages(pdf: Buffer): number {
  const info = withFile(pdf, (file) => execFileSync('pdfinfo', [file], { encoding: 'utf8' }));
  return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? NaN);
}

export interface Gray {
  width: number;
  height: number;
  /** One byte per pixel, 0 black … 255 white. */
  pixels: Buffer;
}

/** Parses a binary PGM (P5, maxval 255): header "P5 <w> <h> <max>" with whitespace and # comments. */
export function parsePgm(buf: Buffer): Gray {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (i < buf.length && /\s/.test(String.fromCharCode(buf[i]))) i++;
    if (buf[i] === 0x23) {
      while (i < buf.length && buf[i] !== 0x0a) i++;
      continue;
    }
    let tok = '';
    while (i < buf.length && !/\s/.test(String.fromCharCode(buf[i]))) tok += String.fromCharCode(buf[i++]);
    fields.push(tok);
  }
  i++; // the single whitespace after maxval
  const [magic, w, h, max] = fields;
  if (magic !== 'P5' || max !== '255') throw new Error(`not an 8-bit binary PGM: ${fields.join(' ')}`);
  const width = Number(w);
  const height = Number(h);
  const pixels = buf.subarray(i, i + width * height);
  if (pixels.length !== width * height) throw new Error(`PGM truncated: ${pixels.length} of ${width * height} pixels`);
  return { width, height, pixels };
}

/** The first page rendered in gray at `dpi` (pdftoppm -gray). */
export function firstPageGray(pdf: Buffer, dpi = 50): Gray {
  return withFile(pdf, (file, dir) => {
    execFileSync('pdftoppm', ['-f', '1', '-l', '1', '-r', String(dpi), '-gray', file, path.join(dir, 'page')]);
    const out = fs.readdirSync(dir).find((f) => f.startsWith('page') && f.endsWith('.pgm'));
    if (!out) throw new Error('pdftoppm wrote no page');
    return parsePgm(fs.readFileSync(path.join(dir, out)));
  });
}

/** Pixels darker than mid-gray (text, rules), as a share of the page. */
export function darkShare(gray: Gray, below = 128): number {
  let dark = 0;
  for (const p of gray.pixels) if (p < below) dark++;
  return dark / gray.pixels.length;
}
