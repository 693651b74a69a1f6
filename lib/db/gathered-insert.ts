/**
 * Inserts of documents with a unique `_id`, gathered into one unordered `insertMany` (lib/db/gather.ts).
 * Each caller still learns its own outcome: inserted, or a duplicate key (the atomic claim of the
 * outbox relies on it); any other error of its document rejects that caller, and a batch that fails
 * as a whole rejects every caller in it, as their single inserts would have failed.
 */
import type { Model } from 'mongoose';
import { Gather, gatherPer, type Settled } from './gather';

export type InsertOutcome = 'inserted' | 'duplicate';

interface WriteErrorLike {
  index: number;
  code?: number;
  errmsg?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one gatherer per model, whatever its schema
type AnyModel = Model<any>;

const insertsInto = gatherPer((model: AnyModel) =>
  new Gather<Record<string, unknown>, InsertOutcome>(async (docs) => {
    try {
      await model.collection.insertMany(docs, { ordered: false });
      return docs.map(() => ({ ok: true, value: 'inserted' }));
    } catch (err) {
      const errors = writeErrorsOf(err);
      if (!errors) throw err;
      const byIndex = new Map(errors.map((e) => [e.index, e]));
      return docs.map((_, i): Settled<InsertOutcome> => {
        const e = byIndex.get(i);
        if (!e) return { ok: true, value: 'inserted' };
        if (e.code === 11000) return { ok: true, value: 'duplicate' };
        return { ok: false, error: Object.assign(new Error(e.errmsg ?? `insert failed (code ${e.code})`), { code: e.code }) };
      });
    }
  }),
);

/** The per-document errors of a bulk insert (the driver gives one or many), or undefined for a failure of the whole command. */
function writeErrorsOf(err: unknown): WriteErrorLike[] | undefined {
  const raw = (err as { writeErrors?: unknown }).writeErrors;
  if (!raw) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]) as WriteErrorLike[];
  return list.every((e) => typeof e.index === 'number') ? list : undefined;
}

/** Inserts `doc` into `model`'s collection, gathered with the concurrent inserts into the same one. */
export async function gatheredInsert(model: AnyModel, doc: Record<string, unknown>): Promise<InsertOutcome> {
  // Cast and validate as Model.create would, so a bad document fails its own caller only.
  const hydrated = new model(doc);
  const invalid = hydrated.validateSync();
  if (invalid) throw invalid;
  return insertsInto(model).request(hydrated.toObject({ depopulate: true }));
}
