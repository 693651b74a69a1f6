/**
 * A cycle's forwards as the read model holds them (one Forward row each, written by both cycles'
 * workflows): what `GET /api/cycles/:id/forwards` answers and what a closed year's export keeps. The
 * parent's decision may come after the cycle below has closed (it no longer waits for it): the row is
 * the one place that has it then, so both readers take it from there.
 */
import type { ForwardDecisionState, ForwardInput } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';

export interface ForwardRow {
  _id: string;
  fromCycleId: string;
  fromClusterId: string;
  toCycleId: string;
  kind: string;
  forward: string;
  createdAt: Date;
  sentAt?: Date;
  pendingSince?: Date;
  deliveredAt?: Date;
  decisionDueAt?: Date;
  decision?: string;
  outcomeAnnouncedAt?: Date;
  resendOf?: string;
}

/** The parent council's decision on each item (approve, or return with a comment), once it is asked. */
function decisionView(r: ForwardRow, f: ForwardInput) {
  if (!r.decision) return undefined;
  const d = JSON.parse(r.decision) as ForwardDecisionState;
  const returned = d.items.filter((i) => i.decision === 'return');
  return {
    status: d.status,
    dueAt: d.dueAt,
    council: d.council.map((c) => c.email),
    items: d.items,
    approved: d.items.filter((i) => i.decision === 'approve').length,
    returned: returned.length,
    // What the body below has to amend, with the council's reason, readable without the item list.
    returns: returned.map((i) => {
      const item = f.items[i.n];
      return { n: i.n, unitName: item?.unitName, titleName: item?.titleName, person: item?.person?.name, comment: i.comment };
    }),
    decidedBy: d.decidedBy,
    actingFor: d.actingFor,
    decidedAt: d.decidedAt,
    reported: d.reported,
    announcedAt: r.outcomeAnnouncedAt,
  };
}

/** `status`: decided once the parent council has decided every item, else how far the delivery got. */
export function forwardView(r: ForwardRow) {
  const f = JSON.parse(r.forward) as ForwardInput;
  const decision = decisionView(r, f);
  return {
    forwardId: r._id,
    kind: r.kind,
    fromCycleId: r.fromCycleId,
    fromClusterId: r.fromClusterId,
    fromBodyName: f.fromBodyName,
    toCycleId: r.toCycleId,
    status: decision?.status === 'decided' ? 'decided' : r.deliveredAt ? 'delivered' : r.pendingSince ? 'pending' : 'sent',
    createdAt: r.createdAt,
    pendingSince: r.pendingSince,
    deliveredAt: r.deliveredAt,
    decidedBy: f.decidedBy,
    decidedAt: f.decidedAt,
    items: f.items,
    decision,
    /** The forward whose returned items this one sends again (`resendOf.items`: their `n` there). */
    resendOf: f.resendOf,
    comment: f.comment,
  };
}
export type ForwardView = ReturnType<typeof forwardView>;

/** The rows' views, each re-sent forward naming the forward that sent it again (`resentAs`). */
export function forwardViews(rows: ForwardRow[]): (ForwardView & { resentAs?: string })[] {
  const resentAs = new Map(rows.filter((r) => r.resendOf).map((r) => [r.resendOf!, r._id]));
  return rows.map((r) => ({ ...forwardView(r), ...(resentAs.has(r._id) ? { resentAs: resentAs.get(r._id) } : {}) }));
}

/** What this cycle forwarded up (`outgoing`) and what the bodies below forwarded to it (`incoming`). */
export async function cycleForwardRows(deps: Pick<AppDeps, 'db'>, cycleId: string): Promise<{ outgoing: ForwardRow[]; incoming: ForwardRow[] }> {
  const { Forward } = deps.db.models;
  const [outgoing, incoming] = await Promise.all([
    Forward.find({ fromCycleId: cycleId }).sort({ createdAt: 1, _id: 1 }).lean<ForwardRow[]>(),
    Forward.find({ toCycleId: cycleId }).sort({ createdAt: 1, _id: 1 }).lean<ForwardRow[]>(),
  ]);
  return { outgoing, incoming };
}
