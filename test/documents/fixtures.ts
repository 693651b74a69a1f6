/** Small realistic examples (a district's cluster in Đồng Nai) shared by the document tests. */
import JSZip from 'jszip';
import type { Letterhead } from '../../lib/documents/builders';

export const BTT_HUYEN: Letterhead = {
  issuer: { parent: 'ỦY BAN MTTQ VIỆT NAM\nHUYỆN ĐỊNH QUÁN', body: 'BAN THƯỜNG TRỰC' },
  number: '109',
  symbol: 'KH-MTTQ-BTT',
  place: 'Định Quán',
  date: '2024-01-25',
  signature: { onBehalf: 'TM.', onBehalfOf: 'BAN THƯỜNG TRỰC', title: 'PHÓ CHỦ TỊCH', name: 'Dương Thị Kim Phú' },
  recipients: ['Ban TC-TG UBMTTQVN tỉnh', 'Hội đồng Thi đua - Khen thưởng huyện (PVN)', 'BTT UBMTTQVN các xã, TT', 'Lưu: VT.'],
};

export const CLUSTER_UNITS = ['Thị trấn Định Quán', 'Xã Phú Lợi', 'Xã Phú Vinh', 'Xã La Ngà', 'Xã Gia Canh'];

/** Text of each paragraph of word/document.xml, in order (runs joined, entities decoded). */
export function docxParagraphs(xml: string): string[] {
  const decode = (s: string) =>
    s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const out: string[] = [];
  for (const m of xml.matchAll(/<w:p[ >][\s\S]*?<\/w:p>/g)) {
    const text = [...m[0].matchAll(/<w:t(?:\s[^>]*)?>([\s\S]*?)<\/w:t>/g)].map((t) => decode(t[1])).join('');
    out.push(text);
  }
  return out;
}

export async function unzipDocx(buf: Buffer): Promise<{ document: string; styles: string; zip: JSZip }> {
  const zip = await JSZip.loadAsync(buf);
  const document = await zip.file('word/document.xml')!.async('string');
  const styles = await zip.file('word/styles.xml')!.async('string');
  return { document, styles, zip };
}

/** Asserts that each needle occurs in `lines` (each within one paragraph), in this order; returns their indexes. */
export function expectInOrder(lines: string[], needles: string[]): number[] {
  const found: number[] = [];
  let from = 0;
  for (const n of needles) {
    const i = lines.findIndex((l, k) => k >= from && l.includes(n));
    if (i < 0) throw new Error(`${JSON.stringify(n)} not found at or after paragraph ${from}:\n${lines.slice(from).join('\n')}`);
    found.push(i);
    from = i + 1;
  }
  return found;
}
