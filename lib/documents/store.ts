/**
 * Generated documents live in GridFS (bucket `documents`), one file per version. A new version is
 * stored only when the source changes — renderers such as DOCX embed timestamps, so the caller passes
 * the document's source (its data) to compare, and regenerating the same data is idempotent.
 */
import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import type { Db } from '../db';

export interface StoredDocument {
  fileId: string;
  cycleId: string;
  kind: string;
  format: 'docx' | 'html' | 'xlsx' | 'pdf';
  version: number;
  sha256: string;
  filename: string;
  uploadDate: Date;
  /**
   * The number and symbol it was issued under (the plan's), so a mail linking it need not read the plan:
   * null for a plan without a number; absent for other documents and those stored before it was kept.
   */
  number?: string | null;
}

const CONTENT_TYPES: Record<StoredDocument['format'], string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

export const contentTypeOf = (format: StoredDocument['format']): string => CONTENT_TYPES[format];

const bucket = (db: Db) => new mongoose.mongo.GridFSBucket(db.conn.db!, { bucketName: 'documents' });

type FileRow = { _id: unknown; filename: string; uploadDate: Date; metadata?: Omit<StoredDocument, 'fileId' | 'filename' | 'uploadDate'> };

const toStored = (f: FileRow): StoredDocument => ({ ...f.metadata!, fileId: String(f._id), filename: f.filename, uploadDate: f.uploadDate });

export async function listDocuments(db: Db, cycleId: string): Promise<StoredDocument[]> {
  const files = (await bucket(db).find({ 'metadata.cycleId': cycleId }).toArray()) as unknown as FileRow[];
  return files.map(toStored).sort((a, b) => a.kind.localeCompare(b.kind) || a.format.localeCompare(b.format) || b.version - a.version);
}

export async function latestDocument(db: Db, cycleId: string, kind: string, format: StoredDocument['format']): Promise<StoredDocument | undefined> {
  return (await listDocuments(db, cycleId)).find((d) => d.kind === kind && d.format === format);
}

export async function storeDocument(
  db: Db,
  doc: { cycleId: string; kind: string; format: StoredDocument['format']; content: Buffer; source?: string; number?: string | null },
): Promise<{ stored: StoredDocument; created: boolean }> {
  const sha256 = createHash('sha256').update(doc.source ?? doc.content).digest('hex');
  const latest = await latestDocument(db, doc.cycleId, doc.kind, doc.format);
  if (latest?.sha256 === sha256) return { stored: latest, created: false };
  const version = (latest?.version ?? 0) + 1;
  const filename = `${doc.kind}-v${version}.${doc.format}`;
  const metadata = { cycleId: doc.cycleId, kind: doc.kind, format: doc.format, version, sha256, ...(doc.number !== undefined ? { number: doc.number } : {}) };
  const id = await new Promise<unknown>((resolve, reject) => {
    const upload = bucket(db).openUploadStream(filename, { metadata });
    upload.once('error', reject);
    upload.once('finish', () => resolve(upload.id));
    upload.end(doc.content);
  });
  return { stored: { ...metadata, fileId: String(id), filename, uploadDate: new Date() }, created: true };
}

export async function readDocument(db: Db, fileId: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of bucket(db).openDownloadStream(new mongoose.Types.ObjectId(fileId))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
