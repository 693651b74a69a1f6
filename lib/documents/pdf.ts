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
 * One browser per process, shared by every print and closed when idle for a while: every cluster
 * reaches its year-end stages on the same plan dates, and a worker should not start a Chromium for
 * each of them (a launch costs as much as printing several pages). At most $THIDUA_PDF_CONCURRENCY
 * pages (default 2) print at once.
 */
const MAX_PAGES = Math.max(1, Number(process.env.THIDUA_PDF_CONCURRENCY) || 2);
const IDLE_CLOSE_MS = 15_000;
let printing = 0;
const waiting: (() => void)[] = [];

async function withPageSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (printing >= MAX_PAGES) await new Promise<void>((resolve) => waiting.push(resolve));
  else printing++;
  try {
    return await fn();
  } finally {
    // Hand the slot straight to the next in line (the count stays the same), or free it.
    const next = waiting.shift();
    if (next) next();
    else printing--;
  }
}

let shared: { bin: string; browser: Promise<Browser>; users: number; idle?: NodeJS.Timeout } | undefined;

async function acquireBrowser(bin: string, timeout: number): Promise<Browser> {
  if (shared && shared.bin !== bin && shared.users === 0) void releaseNow(shared);
  if (!shared || shared.bin !== bin) {
    const entry: NonNullable<typeof shared> = {
      bin,
      users: 0,
      browser: chromium.launch({
        executablePath: bin,
        // Containers and CI run as root, where Chromium's sandbox cannot start.
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
        timeout,
      }),
    };
    shared = entry;
    entry.browser.then(
      (b) => b.on('disconnected', () => shared === entry && (shared = undefined)),
      () => shared === entry && (shared = undefined),
    );
  }
  const entry = shared;
  entry.users++;
  if (entry.idle) clearTimeout(entry.idle);
  entry.idle = undefined;
  try {
    return await entry.browser;
  } catch (err) {
    entry.users--;
    throw err;
  }
}

function releaseBrowser(bin: string): void {
  const entry = shared;
  if (!entry || entry.bin !== bin) return;
  entry.users--;
  if (entry.users > 0) return;
  entry.idle = setTimeout(() => void releaseNow(entry), IDLE_CLOSE_MS);
  entry.idle.unref();
}

async function releaseNow(entry: NonNullable<typeof shared>): Promise<void> {
  if (shared === entry) shared = undefined;
  await (await entry.browser.catch(() => undefined))?.close().catch(() => undefined);
}

/** Prints each HTML page to a PDF (the page's own @page size and margins, no browser header or footer), in order. */
export async function htmlsToPdf(htmls: string[], options: PdfOptions = {}): Promise<Buffer[]> {
  if (htmls.length === 0) return [];
  const bin = chromiumPath(options);
  const timeout = options.timeoutMs ?? 60_000;
  const browser = await acquireBrowser(bin, timeout);
  try {
    const out: Buffer[] = [];
    for (const html of htmls) out.push(await withPageSlot(() => printPage(browser, html, timeout)));
    return out;
  } finally {
    releaseBrowser(bin);
  }
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

/** Closes the shared browser now (a process about to exit, a test's end). */
export async function closePdfBrowser(): Promise<void> {
  if (shared) await releaseNow(shared);
}

/** Prints one HTML page to a PDF. */
export async function htmlToPdf(html: string, options: PdfOptions = {}): Promise<Buffer> {
  return (await htmlsToPdf([html], options))[0];
}
