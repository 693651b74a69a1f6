/**
 * Which uploaded files are accepted, decided by their content (magic bytes), not by the name or the
 * type the browser declares — both are the sender's to choose: an .exe renamed .pdf starts with "MZ"
 * and is refused. The name's extension must agree with the content too, so a file opens in the
 * program its name promises. Pure: no I/O.
 */

export type AttachmentType = 'pdf' | 'docx' | 'xlsx' | 'png' | 'jpeg';

/** Per type: the content type it is stored and served with, and the extensions a name may have. */
export const ATTACHMENT_TYPES: Record<AttachmentType, { contentType: string; extensions: string[] }> = {
  pdf: { contentType: 'application/pdf', extensions: ['pdf'] },
  docx: { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extensions: ['docx'] },
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extensions: ['xlsx'] },
  png: { contentType: 'image/png', extensions: ['png'] },
  jpeg: { contentType: 'image/jpeg', extensions: ['jpg', 'jpeg'] },
};

/** A signed scan is a picture of paper: PDF or an image. */
export const SCAN_TYPES: AttachmentType[] = ['pdf', 'png', 'jpeg'];

/** Per upload request: at most this many files of at most this size each. */
export const ATTACHMENT_LIMITS = { maxBytes: 10 * 1024 * 1024, maxFiles: 5, maxNameLength: 200 } as const;

const startsWith = (buf: Buffer, bytes: number[]) => buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);

/**
 * The names of a ZIP archive's entries, from its central directory (the end record is found from the
 * back, as unzip does); [] when the bytes are not a readable ZIP.
 */
export function zipEntryNames(buf: Buffer): string[] {
  const EOCD = 0x06054b50;
  const CEN = 0x02014b50;
  // The end record is 22 bytes plus a comment of at most 65535.
  const from = Math.max(0, buf.length - 22 - 0xffff);
  let end = -1;
  for (let i = buf.length - 22; i >= from; i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) return [];
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== CEN) return [];
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    if (at + 46 + nameLength > buf.length) return [];
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/** What the bytes are, or undefined for anything not accepted. */
export function sniffType(buf: Buffer): AttachmentType | undefined {
  if (startsWith(buf, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf'; // %PDF-
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04])) {
    // DOCX and XLSX are ZIPs of an Office Open XML package: told apart by their main part.
    const names = zipEntryNames(buf);
    if (!names.includes('[Content_Types].xml')) return undefined;
    if (names.includes('word/document.xml')) return 'docx';
    if (names.includes('xl/workbook.xml')) return 'xlsx';
  }
  return undefined;
}

export const extensionOf = (name: string): string => /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';

/** A file name safe to store and to put in Content-Disposition: no path, no control or quote characters. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  return clean.slice(-ATTACHMENT_LIMITS.maxNameLength);
}

export type AttachmentCheck =
  | { ok: true; type: AttachmentType; contentType: string; filename: string }
  | { ok: false; status: 400 | 413 | 415; problem: string };

/**
 * Checks one uploaded file (its size is limited while it streams in; this sees the whole of it):
 * not empty, a name, an accepted type by content, a name that agrees with the content.
 */
export function checkAttachment(file: { field: string; name: string; size: number; content: Buffer }, allowed: AttachmentType[] = Object.keys(ATTACHMENT_TYPES) as AttachmentType[]): AttachmentCheck {
  const filename = safeFileName(file.name);
  const label = `${file.field}: ${filename || '(no name)'}`;
  const accepted = allowed.flatMap((t) => ATTACHMENT_TYPES[t].extensions.map((e) => `.${e}`)).join(', ');
  if (file.size === 0 || file.content.length === 0) return { ok: false, status: 400, problem: `${label} is empty` };
  if (file.size > ATTACHMENT_LIMITS.maxBytes) return { ok: false, status: 413, problem: `${label} is larger than ${ATTACHMENT_LIMITS.maxBytes / 1024 / 1024} MB` };
  if (!filename) return { ok: false, status: 400, problem: `${file.field}: the file has no name` };
  const type = sniffType(file.content);
  if (!type || !allowed.includes(type)) {
    return { ok: false, status: 415, problem: `${label} is not an accepted file (${accepted}); its content is ${type ? type.toUpperCase() : 'of another kind'}` };
  }
  if (!ATTACHMENT_TYPES[type].extensions.includes(extensionOf(filename))) {
    return { ok: false, status: 415, problem: `${label}: the name says .${extensionOf(filename) || '(none)'} but the content is ${type.toUpperCase()}` };
  }
  return { ok: true, type, contentType: ATTACHMENT_TYPES[type].contentType, filename };
}
