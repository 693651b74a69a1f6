/**
 * Reads by `_id`, gathered (lib/db/gather.ts): one read alone is a plain `findById`; reads that
 * arrive while one is in flight go together as one `find({ _id: { $in } })`. FerretDB v1 on SQLite
 * answers either with a scan of the whole collection (its `_id` index is not used for reads; see
 * BENCHMARKS.md), so under a burst one scan serves a whole batch instead of one scan per read; the
 * next batch lingers as long as the last scan took, to gather more.
 */
import type { Model } from 'mongoose';
import { Gather, gatherPer } from './gather';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one gatherer per model, whatever its schema
type AnyModel = Model<any>;

const readsOf = gatherPer((model: AnyModel) =>
  new Gather<string, unknown>(async (ids) => {
    if (ids.length === 1) return [{ ok: true, value: await model.findById(ids[0]).lean() }];
    const rows = (await model.find({ _id: { $in: [...new Set(ids)] } }).lean()) as { _id: unknown }[];
    const byId = new Map(rows.map((r) => [String(r._id), r]));
    return ids.map((id) => ({ ok: true, value: byId.get(id) ?? null }));
  }, { linger: true }),
);

/** The lean document with this `_id` (or null), read together with the concurrent reads of the same collection. */
export function gatheredFindById<T>(model: AnyModel, id: string): Promise<T | null> {
  return readsOf(model).request(id) as Promise<T | null>;
}
