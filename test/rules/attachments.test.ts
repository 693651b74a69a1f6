/** Uploaded files are accepted by their content: magic bytes, Office packages by their main part, names that agree. */
import { Document, Packer, Paragraph } from 'docx';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { SAMPLES } from '../helpers/files';
import { ATTACHMENT_LIMITS, checkAttachment, extensionOf, safeFileName, SCAN_TYPES, sniffType, zipEntryNames } from '../../rules/attachments';


async function docx(): Promise<Buffer> {
  return Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('Báo cáo')] }] }));
}
async function xlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Điểm').addRow(['Đơn vị', 95]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
async function plainZip(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('readme.txt', 'not an office file');
  zip.file('[Content_Types].xml', '<Types/>');
  return zip.generateAsync({ type: 'nodebuffer' });
}

describe('sniffType', () => {
  test.each([
    ['pdf', SAMPLES.pdf],
    ['png', SAMPLES.png],
    ['jpeg', SAMPLES.jpeg],
  ])('%s by its magic bytes', (type, buf) => expect(sniffType(buf)).toBe(type));

  test('DOCX and XLSX by the parts of their ZIP package; another ZIP is not either', async () => {
    expect(sniffType(await docx())).toBe('docx');
    expect(sniffType(await xlsx())).toBe('xlsx');
    expect(zipEntryNames(await plainZip()).sort()).toEqual(['[Content_Types].xml', 'readme.txt']);
    expect(sniffType(await plainZip())).toBeUndefined();
  });

  test.each([
    ['an executable', SAMPLES.exe],
    ['text', Buffer.from('hello')],
    ['a truncated ZIP header', Buffer.from('PK\u0003\u0004garbage')],
    ['nothing', Buffer.alloc(0)],
    ['HTML', Buffer.from('<!DOCTYPE html><script>alert(1)</script>')],
  ])('refuses %s', (_what, buf) => expect(sniffType(buf)).toBeUndefined());
});

describe('checkAttachment', () => {
  const file = (name: string, content: Buffer) => ({ field: 'files', name, size: content.length, content });

  test.each([
    ['bao-cao.pdf', SAMPLES.pdf, 'pdf', 'application/pdf'],
    ['Ảnh hội nghị.JPG', SAMPLES.jpeg, 'jpeg', 'image/jpeg'],
    ['anh.jpeg', SAMPLES.jpeg, 'jpeg', 'image/jpeg'],
    ['so-do.png', SAMPLES.png, 'png', 'image/png'],
  ])('accepts %s', (name, content, type, contentType) => {
    expect(checkAttachment(file(name, content))).toEqual({ ok: true, type, contentType, filename: name });
  });

  test.each([
    ['an empty file', file('a.pdf', Buffer.alloc(0)), 400, 'files: a.pdf is empty'],
    ['an .exe renamed .pdf', file('bao-cao.pdf', SAMPLES.exe), 415, 'files: bao-cao.pdf is not an accepted file (.pdf, .docx, .xlsx, .png, .jpg, .jpeg); its content is of another kind'],
    ['a PNG named .pdf', file('scan.pdf', SAMPLES.png), 415, 'files: scan.pdf: the name says .pdf but the content is PNG'],
    ['a PDF named .exe', file('setup.exe', SAMPLES.pdf), 415, 'files: setup.exe: the name says .exe but the content is PDF'],
    ['no name', file('', SAMPLES.pdf), 400, 'files: the file has no name'],
    ['too big', { field: 'files', name: 'big.pdf', size: ATTACHMENT_LIMITS.maxBytes + 1, content: SAMPLES.pdf }, 413, 'files: big.pdf is larger than 10 MB'],
  ])('refuses %s, naming the field', (_what, f, status, problem) => {
    expect(checkAttachment(f)).toEqual({ ok: false, status, problem });
  });

  test('a scan is a PDF or a picture, not a Word file', async () => {
    expect(checkAttachment(file('ban-ky.png', SAMPLES.png), SCAN_TYPES).ok).toBe(true);
    const r = checkAttachment(file('ban-ky.docx', await docx()), SCAN_TYPES);
    expect(r).toEqual({ ok: false, status: 415, problem: 'files: ban-ky.docx is not an accepted file (.pdf, .png, .jpg, .jpeg); its content is DOCX' });
  });
});

describe('names', () => {
  test.each([
    ['../../etc/passwd.pdf', 'passwd.pdf'],
    ['C:\\Users\\a\\bao "cao".pdf', 'bao cao.pdf'],
    ['a\u0000b\r\n.pdf', 'ab.pdf'],
  ])('%j is stored as %j', (name, safe) => expect(safeFileName(name)).toBe(safe));
  test.each([
    ['a.PDF', 'pdf'],
    ['a.tar.gz', 'gz'],
    ['noext', ''],
  ])('extension of %s', (name, ext) => expect(extensionOf(name)).toBe(ext));
});
