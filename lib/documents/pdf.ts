/**
 * PDF of an official document: its printable HTML page (renderHtml) printed by headless Chromium from
 * Debian's packages (`apt-get install chromium fonts-liberation2`; scripts/ensure-system-deps.js does it
 * on a fresh machine). fonts-liberation2, not the 1.x fonts-liberation alone, has the precomposed
 * Vietnamese capitals such as Ủ, Ư, Ế, Ạ — without it those glyphs fall back to a sans-serif font.
 *
 * Chromium is driven through playwright-core (a dependency already, for the browser test) so that one
 * browser prints every document of a batch: a launch costs about as much as printing four pages.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export type PdfOptions = {
  /** The Chromium binary; default $THIDUA_CHROMIUM, else /usr/bin/chromium. */
  chromium?: string;
  timeoutMs?: number;
};

/** The Chromium binary to use, or an Error saying how to install it. */
export function chromiumPath(options: PdfOptions = {}): string {
  const bin = options.chromium ?? process.env.THIDUA_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(bin)) {
    throw new Error(`no Chromium at ${bin} for the PDF documents: apt-get install chromium fonts-liberation2 (or set THIDUA_CHROMIUM)`);
  }
  return bin;
}

/** Prints each HTML page to a PDF (the page's own @page size and margins, no browser header or footer), in order. */
export async function htmlsToPdf(htmls: string[], options: PdfOptions = {}): Promise<Buffer[]> {
  if (htmls.length === 0) return [];
  const timeout = options.timeoutMs ?? 60_000;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath(options),
      // Containers and CI run as root, where Chromium's sandbox cannot start.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      timeout,
    });
    const out: Buffer[] = [];
    for (const html of htmls) {
      const page = await browser.newPage();
      try {
        // The pages are self-contained (inline CSS, system fonts): nothing to fetch.
        await page.setContent(html, { waitUntil: 'load', timeout });
        out.push(await page.pdf({ preferCSSPageSize: true, printBackground: true, displayHeaderFooter: false }));
      } finally {
        await page.close();
      }
    }
    return out;
  } finally {
    await browser?.close().catch(() => undefined);
  }
}

/** Prints one HTML page to a PDF. */
export async function htmlToPdf(html: string, options: PdfOptions = {}): Promise<Buffer> {
  return (await htmlsToPdf([html], options))[0];
}
