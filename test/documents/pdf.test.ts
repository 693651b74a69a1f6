/**
 * The PDF of every official document, printed by Debian's Chromium and read back with poppler: the
 * first page is not blank, the text has every Nghị định 30 part (in order), A4, Liberation Serif
 * (fonts-liberation2: no Vietnamese capital falls back to another font).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ballotDocument, clusterReportDocument, invitationDocument, minutesDocument, planDocument, proposalDocument } from '../../lib/documents/builders';
import { renderHtml } from '../../lib/documents/html';
import { dateLine, lines, NATIONAL_MOTTO, NATIONAL_NAME, numberLine, onBehalfLine, RECIPIENTS_LABEL, type OfficialDocument } from '../../lib/documents/model';
import { htmlsToPdf, htmlToPdf } from '../../lib/documents/pdf';
import { darkShare, firstPageGray, pdfPages, pdfText } from '../helpers/pdf';
import { BALLOT, CLUSTER_REPORT, INVITATION, MINUTES, PLAN, PROPOSAL } from './fixtures';

const DOCS: [string, OfficialDocument][] = [
  ['Kế hoạch', planDocument(PLAN)],
  ['Giấy mời', invitationDocument(INVITATION)],
  ['Phiếu suy tôn', ballotDocument(BALLOT)],
  ['Biên bản', minutesDocument(MINUTES)],
  ['Báo cáo tổng hợp', clusterReportDocument(CLUSTER_REPORT)],
  ['Tờ trình', proposalDocument(PROPOSAL)],
];

/** pdftotext breaks lines where the page does: compare with runs of whitespace as one space. */
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The ND30 parts a document must show, in reading order (the header's two columns each in order). */
function parts(doc: OfficialDocument): { left: string[]; right: string[]; main: string[] } {
  const number = numberLine(doc);
  const sig = doc.signature;
  return {
    left: [...lines(doc.issuer.parent), ...lines(doc.issuer.body), ...(number ? [number] : [])],
    right: [NATIONAL_NAME, NATIONAL_MOTTO, dateLine(doc)],
    main: [
      doc.type,
      ...lines(doc.subject),
      ...(doc.recipients.length ? [RECIPIENTS_LABEL, ...doc.recipients.slice(0, 1), ...doc.recipients.slice(-1)] : []),
      ...(sig ? [onBehalfLine(sig), sig.title, sig.name].filter(Boolean) : []),
    ],
  };
}

function expectInOrder(text: string, needles: string[]): void {
  let from = 0;
  for (const n of needles) {
    const i = text.indexOf(flat(n), from);
    expect({ part: n, found: i >= 0 }).toEqual({ part: n, found: true });
    from = i + flat(n).length;
  }
}

function fontsOf(pdf: Buffer): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-fonts-'));
  try {
    fs.writeFileSync(path.join(dir, 'd.pdf'), pdf);
    const out = execFileSync('pdffonts', [path.join(dir, 'd.pdf')], { encoding: 'utf8' });
    return out.split('\n').slice(2).filter(Boolean).map((l) => l.split(/\s+/)[0].replace(/^[A-Z]{6}\+/, ''));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('htmlsToPdf: every official document as PDF', () => {
  let pdfs: Buffer[];
  beforeAll(async () => {
    pdfs = await htmlsToPdf(DOCS.map(([, d]) => renderHtml(d)));
  }, 120_000);

  test('more prints at once than browsers allowed: each waits its turn and all succeed', async () => {
    const html = renderHtml(DOCS[1][1]);
    const many = await Promise.all([1, 2, 3].map(() => htmlToPdf(html)));
    for (const pdf of many) expect(flat(pdfText(pdf))).toContain('GIẤY MỜI');
    // A missing binary is said plainly.
    await expect(htmlToPdf(html, { chromium: '/nonexistent/chromium' })).rejects.toThrow('no Chromium at /nonexistent/chromium for the PDF documents: apt-get install chromium fonts-liberation2');
  }, 120_000);

  test('a blank page measures blank (the dark-pixel check can fail)', async () => {
    const blank = await htmlToPdf('<!DOCTYPE html><html><body></body></html>');
    expect(darkShare(firstPageGray(blank))).toBe(0);
  }, 60_000);

  test.each(DOCS.map(([name, doc], i) => [name, doc, i] as const))('%s: not blank, A4, every ND30 part in its text', (_name, doc, i) => {
    const pdf = pdfs[i];
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdfPages(pdf)).toBeGreaterThanOrEqual(1);

    // Text and rules cover a few percent of a printed page; a blank or failed page none.
    const gray = firstPageGray(pdf);
    expect(gray.width).toBeLessThan(gray.height); // portrait
    expect(Math.round((gray.height / gray.width) * 100) / 100).toBe(1.41); // A4 is 1 : √2
    const share = darkShare(gray);
    expect(share).toBeGreaterThan(0.01);
    expect(share).toBeLessThan(0.3);

    const text = flat(pdfText(pdf));
    const p = parts(doc);
    expectInOrder(text, p.left);
    expectInOrder(text, p.right);
    expectInOrder(text, p.main);

    // Times New Roman's metric twin, with its own Vietnamese capitals (no fallback font).
    const fonts = fontsOf(pdf);
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.every((f) => f.startsWith('LiberationSerif'))).toBe(true);
  });

  test('the plan: national header, number and date as Nghị định 30 writes them', () => {
    const text = flat(pdfText(pdfs[0]));
    expect(text).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(text).toContain('Số: 109/KH-MTTQ-BTT');
    expect(text).toContain('Định Quán, ngày 25 tháng 01 năm 2024');
    expect(text).toContain('- Lưu: VT.');
  });

  test('a ballot has no number and no signature; minutes carry both signatures', () => {
    const ballot = flat(pdfText(pdfs[2]));
    expect(ballot).not.toContain('Số:');
    expect(ballot).toContain('PHIẾU SUY TÔN');
    const minutes = flat(pdfText(pdfs[3]));
    expect(minutes).toContain(MINUTES.letterhead.signature!.name);
    expect(minutes).toContain(MINUTES.secretary.name);
  });
});
