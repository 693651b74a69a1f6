/**
 * PDF of an official document: its printable HTML page (renderHtml) printed by headless Chromium from
 * Debian's packages (`apt-get install chromium fonts-liberation2`; scripts/ensure-system-deps.js does it
 * on a fresh machine). fonts-liberation2, not the 1.x fonts-liberation alone, has the precomposed
 * Vietnamese capitals such as Ủ, Ư, Ế, Ạ — without it those glyphs fall back to a sans-serif font.
 *
 * Chromium is driven through playwright-core (a dependency already, for the browser test).
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

/**
 * At most $THIDUA_PDF_CONCURRENCY browsers at once in a process (default 2): every cluster reaches its
 * year-end stages on the same plan dates, and a worker should not start a Chromium for each of them at
 * the same moment. Each batch has its own browser, closed when it is done: a browser left running
 * would keep a command-line process (thidua cycle start) from exiting.
 */
const MAX_BROWSERS = Math.max(1, Number(process.env.THIDUA_PDF_CONCURRENCY) || 2);
let running = 0;
const waiting: (() => void)[] = [];

async function withBrowserSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_BROWSERS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    // Hand the slot straight to the next in line (the count stays the same), or free it.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** Prints each HTML page to a PDF (the page's own @page size and margins, no browser header or footer), in order. */
export async function htmlsToPdf(htmls: string[], options: PdfOptions = {}): Promise<Buffer[]> {
  if (htmls.length === 0) return [];
  const bin = chromiumPath(options);
  const timeout = options.timeoutMs ?? 60_000;
  return withBrowserSlot(async () => {
    const browser = await chromium.launch({
      executablePath: bin,
      // Containers and CI run as root, where Chromium's sandbox cannot start.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      timeout,
    });
    try {
      const out: Buffer[] = [];
      for (const html of htmls) out.push(await printPage(browser, html, timeout));
      return out;
    } finally {
      await browser.close().catch(() => undefined);
    }
  });
}

async function printPage(browser: Browser, html: string, timeout: number): Promise<Buffer> {
  const page = await browser.newPage();
  try {
    // The pages are self-contained (inline CSS, system fonts): nothing to fetch.
    await page.setContent(html, { waitUntil: 'load', timeout });
    return await page.pdf({ preferCSSPageSize: true, printBackground: true, displayHeaderFooter: false });
  } finally {
    await page.close().catch(() => undefined);
  }
}

/** Prints one HTML page to a PDF. */
export async function htmlToPdf(html: string, options: PdfOptions = {}): Promise<Buffer> {
  return (await htmlsToPdf([html], options))[0];
}
