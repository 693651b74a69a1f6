/**
 * Optional PDF step: prints an HTML page (from renderHtml) with headless Chromium. Needs a Chromium
 * binary on the machine (Debian: `apt-get install chromium fonts-liberation2`; fonts-liberation2, not
 * the 1.x fonts-liberation alone, has the precomposed Vietnamese capitals such as Ủ, Ư, Ế, Ạ — without
 * it those glyphs fall back to a sans-serif font). Not used by the tests.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type PdfOptions = {
  /** The Chromium binary; default $THIDUA_CHROMIUM or 'chromium'. */
  chromium?: string;
  timeoutMs?: number;
};

/** Prints `html` to a PDF (A4, the page's own @page margins, no browser header or footer). */
export async function htmlToPdf(html: string, options: PdfOptions = {}): Promise<Buffer> {
  const bin = options.chromium ?? process.env.THIDUA_CHROMIUM ?? 'chromium';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-pdf-'));
  try {
    const input = path.join(dir, 'document.html');
    const output = path.join(dir, 'document.pdf');
    fs.writeFileSync(input, html, 'utf8');
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-pdf-header-footer',
      `--user-data-dir=${path.join(dir, 'profile')}`,
      `--print-to-pdf=${output}`,
      `file://${input}`,
    ];
    await new Promise<void>((resolve, reject) => {
      execFile(bin, args, { timeout: options.timeoutMs ?? 60_000 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`${bin} failed: ${err.message}\n${String(stderr).slice(-2000)}`));
        else resolve();
      });
    });
    if (!fs.existsSync(output)) throw new Error(`${bin} wrote no PDF`);
    return fs.readFileSync(output);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
