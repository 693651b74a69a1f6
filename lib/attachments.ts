/**
 * Uploaded files in GridFS (bucket `attachments`, apart from the generated `documents`): a unit's
 * attachments to a step's submission, and the secretariat's signed scans of issued documents. Each
 * file carries who sent it and for what in its metadata; the bytes are never changed after upload.
 */
import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import type { Db } from './db';
import type { AttachmentType } from '../rules/attachments';

export interface AttachmentMeta {
  cycleId: string;
  /** 'step': a unit's file for a step's submission; 'scan': a signed scan of an issued document. */
  purpose: 'step' | 'scan';
  /** For 'step': the unit workflow, step, unit and the round it was uploaded in. */
  workflowId?: string;
  step?: string;
  unitId?: string;
  round?: number;
  /** For 'scan': the document's owner key in the document store, its kind and the version scanned. */
  documentOwner?: string;
  documentKind?: string;
  documentVersion?: number;
  clusterId?: string;
  /** The person (link) or staff account (session, API token) that sent it. */
  uploadedBy: string;
  type: AttachmentType;
  contentType: string;
  size: number;
  sha256: string;
}

export interface StoredAttachment extends AttachmentMeta {
  id: string;
  filename: string;
  uploadDate: Date;
}

const bucket = (db: Db) => new mongoose.mongo.GridFSBucket(db.conn.db!, { bucketName: 'attachments' });

type FileRow = { _id: unknown; filename: string; uploadDate: Date; metadata?: AttachmentMeta };
const toStored = (f: FileRow): StoredAttachment => ({ ...f.metadata!, id: String(f._id), filename: f.filename, uploadDate: f.uploadDate });

export async function storeAttachment(db: Db, file: { filename: string; content: Buffer; meta: Omit<AttachmentMeta, 'size' | 'sha256'> }): Promise<StoredAttachment> {
  const meta: AttachmentMeta = { ...file.meta, size: file.content.length, sha256: createHash('sha256').update(file.content).digest('hex') };
  const id = await new Promise<unknown>((resolve, reject) => {
    const upload = bucket(db).openUploadStream(file.filename, { metadata: meta });
    upload.once('error', reject);
    upload.once('finish', () => resolve(upload.id));
    upload.end(file.content);
  });
  return { ...meta, id: String(id), filename: file.filename, uploadDate: new Date() };
}

/** Files matching the metadata filter (e.g. { workflowId, step }), oldest first. */
export async function listAttachments(db: Db, filter: Partial<Record<keyof AttachmentMeta, string | number>>): Promise<StoredAttachment[]> {
  const query = Object.fromEntries(Object.entries(filter).map(([k, v]) => [`metadata.${k}`, v]));
  const files = (await bucket(db).find(query).toArray()) as unknown as FileRow[];
  return files.map(toStored).sort((a, b) => a.uploadDate.getTime() - b.uploadDate.getTime() || a.id.localeCompare(b.id));
}

export const isAttachmentId = (id: string): boolean => /^[0-9a-f]{24}$/.test(id);

/** One file's description; undefined for an unknown or malformed id. */
export async function findAttachment(db: Db, id: string): Promise<StoredAttachment | undefined> {
  if (!isAttachmentId(id)) return undefined;
  const [f] = (await bucket(db).find({ _id: new mongoose.Types.ObjectId(id) }).toArray()) as unknown as FileRow[];
  return f?.metadata ? toStored(f) : undefined;
}

export async function readAttachment(db: Db, id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of bucket(db).openDownloadStream(new mongoose.Types.ObjectId(id))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Content-Disposition for a download: the stored name, ASCII fallback plus the UTF-8 name (RFC 6266). */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
