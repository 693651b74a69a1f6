/**
 * Subscribable calendar feeds (`/feeds/<token>.ics`): one per unit and one per staff member of a
 * cycle, with every deadline, inspection visit and meeting that concerns them, read from the read
 * model at each request (so the feed is always current).
 *
 * Tokens: `<base64url(claims)>.<base64url(HMAC-SHA256)>`, like the links of lib/links.ts, with their
 * own tiny claims `{ v: 1, c: cycleId, k: 'unit' | 'staff', id: unitId or email, x?: expiry }`. The
 * HMAC covers `thidua-feed:<body>` (domain separation: a link token is never a feed token and vice
 * versa, even under the same secret). The token is deterministic, so the URL handed out is stable;
 * changing the secret revokes every feed URL at once.
 *
 * What a feed holds (UIDs and SEQUENCEs are those of the emails' calendar attachments, so an entry
 * imported from an email and the same entry in the feed are one and the same event):
 * - a unit: the deadline of each of its steps (`<unitWorkflowId>:<step>:due@thidua`, SEQUENCE = the
 *   step's scheduleVersion); the planned dates of a step that has not opened yet (cluster_plans);
 *   the cluster's award proposal when the unit heads its cluster; its cross-check assignments; its
 *   inspection visit (`<clusterWorkflowId>:visit:<unitId>@thidua`) and its cluster's meeting
 *   (`<clusterWorkflowId>:meeting@thidua`, SEQUENCE = the year-end's meetingVersion).
 * - a staff member: the step deadlines of the units they follow (the current reviewer of the read
 *   model, else the plan's), the inspection deadline of each unit they inspect
 *   (`<clusterWorkflowId>:inspection:<unitId>:due@thidua`), the visits of the clusters they inspect
 *   in or whose team they are in, the meetings they chair, the proposals they decide (council).
 *
 * Decisions:
 * - A deadline whose work is done (approved step, closed inspection, cross-check sent) is left out:
 *   subscribed calendars drop it at their next refresh. A cancelled one (step cancelled, cycle
 *   cancelled, year-end cancelled) stays as STATUS:CANCELLED with the next SEQUENCE (cancelledItem).
 *   Meetings and visits are events, not tasks: they stay after they happened.
 * - DTSTAMP is the last change of what the feed was built from (never "now"): the same state gives
 *   the same bytes, so the ETag express computes lets clients revalidate cheaply.
 * - Feeds never carry personal links (a feed is a unit's or role's, not a person's) nor e-mail addresses.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Plan } from '../rules/plan';
import { STEP_KINDS, STEP_NAMES, type StepName } from '../rules/steps';
import {
  clusterWorkflowId,
  unitWorkflowId,
  type ClusterYearEndInput,
  type InspectionVisit,
  type MeetingSchedule,
  type StepSchedule,
  type StepState,
  type UnitWorkflowInput,
  type YearEndState,
} from '../workflows/cycle/definitions';
import type { Models } from './db/models';
import { cancelledItem, icsFeed, type CalendarItem } from './mail/ics';
import { openToken, sealToken } from './signed-token';

export type FeedKind = 'unit' | 'staff';

export const feedClaimsSchema = z.object({
  v: z.literal(1),
  /** cycle id */
  c: z.string().min(1),
  /** whose feed: a unit's or a staff member's */
  k: z.enum(['unit', 'staff']),
  /** the unit id, or the staff member's email as the plan holds it */
  id: z.string().min(1),
  /** expiry, seconds since the epoch (none: valid until the secret changes) */
  x: z.number().int().positive().optional(),
});
export type FeedClaims = z.infer<typeof feedClaimsSchema>;

export type VerifiedFeed =
  | { ok: true; claims: FeedClaims }
  | { ok: false; status: 403 | 410; reason: 'malformed' | 'bad-signature' | 'expired'; claims?: FeedClaims };

const DOMAIN = 'thidua-feed:';

export function createFeedToken(secret: string, claims: Omit<FeedClaims, 'v'>): string {
  const { c, k, id, x } = claims;
  return sealToken(secret, DOMAIN, x === undefined ? { v: 1, c, k, id } : { v: 1, c, k, id, x });
}

/** The token of one unit's or staff member's feed; `expiresAt` only for a URL meant to stop working. */
export function feedTokenFor(secret: string, cycleId: string, kind: FeedKind, id: string, expiresAt?: Date): string {
  return createFeedToken(secret, { c: cycleId, k: kind, id, ...(expiresAt ? { x: Math.floor(expiresAt.getTime() / 1000) } : {}) });
}

export function verifyFeedToken(secret: string, token: string, nowMs: number): VerifiedFeed {
  const opened = openToken(secret, DOMAIN, token, feedClaimsSchema);
  if (!opened.ok) return opened;
  const { claims } = opened;
  if (claims.x !== undefined && claims.x * 1000 <= nowMs) return { ok: false, status: 410, reason: 'expired', claims };
  return { ok: true, claims };
}

export function feedUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/feeds/${token}.ics`;
}

export type BuiltFeed =
  | { found: true; name: string; items: CalendarItem[]; stampedAt: string; ics: string }
  | { found: false; what: 'cycle' | 'unit' | 'staff' };

interface StepRow {
  _id: string;
  workflowId: string;
  unitId: string;
  unitName: string;
  step: string;
  status: string;
  lastProgressAt: Date;
  state: StepState;
  people?: { contacts?: string[]; reviewer?: string };
}

interface ClusterRow {
  clusterId: string;
  name: string;
  units: UnitWorkflowInput[];
  yearEnd?: ClusterYearEndInput;
  /** The year-end read model, when the cluster's year-end has projected itself. */
  state?: YearEndState;
  updatedAt?: Date;
}

const PROPOSAL: StepName = 'award-proposal';
const lower = (s: string | undefined) => (s ?? '').trim().toLowerCase();

/**
 * The feed of the subject the claims name, from the read model. `found: false` when the cycle, or
 * the unit or staff member in it, is unknown. `now` is only the DTSTAMP of a feed built from nothing.
 */
export async function buildFeed(models: Models, claims: FeedClaims, now: Date): Promise<BuiltFeed> {
  const cycle = await models.Cycle.findById(claims.c).lean();
  if (!cycle) return { found: false, what: 'cycle' };
  const plan = cycle.plan as Plan;
  const tz = plan.timeZone;
  const cycleCancelled = cycle.status === 'cancelled';
  const [plans, yearEnds] = await Promise.all([models.ClusterPlan.find({ cycleId: claims.c }).lean(), models.ClusterYearEnd.find({ cycleId: claims.c }).lean()]);
  const yeById = new Map(yearEnds.map((y) => [String(y.clusterId), y]));
  const clusters: ClusterRow[] = plans.map((p) => {
    const ye = yeById.get(p.clusterId);
    return {
      clusterId: p.clusterId,
      name: p.name,
      units: (p.units ?? []) as UnitWorkflowInput[],
      yearEnd: p.yearEnd as ClusterYearEndInput | undefined,
      state: ye ? (JSON.parse(String(ye.state)) as YearEndState) : undefined,
      updatedAt: ye ? (ye.updatedAt as Date) : undefined,
    };
  });
  const stamps: number[] = [new Date(cycle.updatedAt).getTime(), ...clusters.map((c) => c.updatedAt?.getTime() ?? 0)];
  const ctx = new Ctx(claims.c, tz, cycleCancelled);

  let name: string;
  if (claims.k === 'unit') {
    const unitId = claims.id;
    const cluster = clusters.find((c) => c.units.some((u) => u.unitId === unitId) || c.yearEnd?.members.some((m) => m.unitId === unitId));
    const planned = plan.units?.find((u) => u.id === unitId);
    if (!cluster && !planned) return { found: false, what: 'unit' };
    const unit = cluster?.units.find((u) => u.unitId === unitId);
    const unitName = unit?.unitName ?? planned?.name ?? unitId;
    name = `Lịch thi đua ${cycle.year} – ${unitName}`;
    const wid = unitWorkflowId(claims.c, unitId);
    const rows = (await models.StepState.find({ workflowId: wid }).lean()) as unknown as StepRow[];
    stamps.push(...rows.map((r) => new Date(r.lastProgressAt).getTime()));
    ctx.unitSteps(wid, unitName, unit?.steps ?? {}, rows);
    if (cluster) {
      const cwid = clusterWorkflowId(claims.c, cluster.clusterId);
      const ye = cluster.yearEnd;
      if (ye && ye.headUnitId === unitId && ye.proposal) {
        const row = (await models.StepState.findById(`${cwid}:${PROPOSAL}`).lean()) as unknown as StepRow | null;
        if (row) stamps.push(new Date(row.lastProgressAt).getTime());
        ctx.proposal(cluster, row ?? undefined);
      }
      ctx.crossChecks(cluster, unitId);
      ctx.visits(cluster, (v) => v.unitId === unitId);
      if (ye?.members.some((m) => m.unitId === unitId)) ctx.meeting(cluster);
    }
  } else {
    const email = lower(claims.id);
    const person = plan.staff?.find((s) => lower(s.email) === email);
    // Who follows each unit now: a replaced reviewer is in the read model, the plan keeps the first one.
    const people = (await models.StepState.find({ cycleId: claims.c }, { workflowId: 1, people: 1 }).lean()) as unknown as Pick<StepRow, 'workflowId' | 'people'>[];
    const currentReviewer = new Map<string, string>();
    for (const r of people) if (r.people?.reviewer) currentReviewer.set(r.workflowId, lower(r.people.reviewer));
    const followed = clusters.flatMap((c) => c.units.filter((u) => (currentReviewer.get(unitWorkflowId(claims.c, u.unitId)) ?? lower(u.reviewer?.email)) === email));
    const councilOf = clusters.filter((c) => c.yearEnd?.proposal && lower(c.yearEnd.proposal.council.email) === email);
    const wanted = [
      ...followed.map((u) => ({ workflowId: unitWorkflowId(claims.c, u.unitId) })),
      ...councilOf.map((c) => ({ _id: `${clusterWorkflowId(claims.c, c.clusterId)}:${PROPOSAL}` })),
    ];
    const rows = wanted.length > 0 ? ((await models.StepState.find({ $or: wanted }).lean()) as unknown as StepRow[]) : [];
    let roles = 0;
    for (const cluster of clusters) {
      const cwid = clusterWorkflowId(claims.c, cluster.clusterId);
      for (const unit of cluster.units) {
        if (!followed.includes(unit)) continue;
        const wid = unitWorkflowId(claims.c, unit.unitId);
        roles++;
        const mine = rows.filter((r) => r.workflowId === wid);
        stamps.push(...mine.map((r) => new Date(r.lastProgressAt).getTime()));
        ctx.unitSteps(wid, unit.unitName, unit.steps ?? {}, mine);
      }
      const ye = cluster.yearEnd;
      if (!ye) continue;
      const inspected = ye.members.filter((m) => lower(m.inspector?.email) === email);
      const inTeam = (ye.team ?? []).some((t) => lower(t.email) === email);
      if (inspected.length > 0) {
        roles++;
        ctx.inspections(cluster, inspected.map((m) => m.unitId));
      }
      if (inspected.length > 0 || inTeam) {
        roles++;
        ctx.visits(cluster, () => true);
      }
      if (lower(ye.chair?.email) === email) {
        roles++;
        ctx.meeting(cluster);
      }
      if (ye.proposal && lower(ye.proposal.council.email) === email) {
        roles++;
        const row = rows.find((r) => r._id === `${cwid}:${PROPOSAL}`);
        if (row) stamps.push(new Date(row.lastProgressAt).getTime());
        ctx.proposal(cluster, row);
      }
    }
    if (!person && roles === 0) return { found: false, what: 'staff' };
    name = `Lịch thi đua ${cycle.year} – ${person?.name ?? claims.id}`;
  }

  const last = Math.max(...stamps.filter((t) => Number.isFinite(t) && t > 0));
  const stampedAt = new Date(Number.isFinite(last) ? last : now.getTime()).toISOString();
  const items = ctx.items;
  return { found: true, name, items, stampedAt, ics: icsFeed(name, items, stampedAt) };
}

/** Collects the items of one feed. */
class Ctx {
  readonly items: CalendarItem[] = [];
  constructor(
    private readonly cycleId: string,
    private readonly tz: string,
    private readonly cycleCancelled: boolean,
  ) {}

  /** The steps of one unit workflow: the projected state when there is one, else the planned dates. */
  unitSteps(workflowId: string, unitName: string, planned: Partial<Record<StepName, StepSchedule>>, rows: StepRow[]): void {
    const byStep = new Map(rows.map((r) => [r.step, r]));
    for (const step of STEP_NAMES) {
      if (STEP_KINDS[step].cluster) continue;
      const row = byStep.get(step);
      const state: StepState | undefined = row ? row.state : planned[step] ? { step, status: 'pending', round: 1, schedule: planned[step], history: [] } : undefined;
      if (state) this.stepDeadline(workflowId, step, state, unitName);
    }
  }

  /** The cluster's award proposal (its head submits, the council decides). */
  proposal(cluster: ClusterRow, row: StepRow | undefined): void {
    const p = cluster.yearEnd?.proposal;
    const state: StepState | undefined = row?.state ?? (p ? { step: PROPOSAL, status: 'pending', round: 1, schedule: p.schedule, history: [] } : undefined);
    if (state) this.stepDeadline(clusterWorkflowId(this.cycleId, cluster.clusterId), PROPOSAL, state, cluster.name, this.yearEndCancelled(cluster));
  }

  /** One inspection deadline per inspected unit, as the inspector's request email carries it. */
  inspections(cluster: ClusterRow, unitIds: string[]): void {
    const ye = cluster.yearEnd!;
    const insp = cluster.state?.inspection ?? { dueAt: ye.inspection.dueAt, closedAt: undefined };
    if (insp.closedAt) return;
    const cwid = clusterWorkflowId(this.cycleId, cluster.clusterId);
    for (const unitId of unitIds) {
      const unitName = ye.members.find((m) => m.unitId === unitId)?.unitName ?? unitId;
      this.push(
        {
          uid: `${cwid}:inspection:${unitId}:due@thidua`,
          sequence: 0,
          kind: 'deadline',
          title: `Hạn nhập kết quả kiểm tra, chấm điểm – ${unitName}`,
          description: `${cluster.name}. Hạn chót: ${this.local(insp.dueAt)} (${this.zoneName()}).`,
          start: insp.dueAt,
        },
        this.yearEndCancelled(cluster),
      );
    }
  }

  /** The files a unit checks for another (kiểm tra chéo), until it has sent its findings. */
  crossChecks(cluster: ClusterRow, unitId: string): void {
    const state = cluster.state;
    if (!state || state.inspection.closedAt) return;
    const cwid = clusterWorkflowId(this.cycleId, cluster.clusterId);
    const names = new Map((cluster.yearEnd?.members ?? []).map((m) => [m.unitId, m.unitName]));
    for (const c of state.inspection.crossChecks ?? []) {
      if (c.checker !== unitId || c.findings) continue;
      this.push(
        {
          uid: `${cwid}:crosscheck:${c.checker}:${c.checked}:due@thidua`,
          sequence: 0,
          kind: 'deadline',
          title: `Kiểm tra chéo hồ sơ – ${names.get(c.checked) ?? c.checked}`,
          description: `${cluster.name}. Hạn chót: ${this.local(state.inspection.dueAt)} (${this.zoneName()}).`,
          start: state.inspection.dueAt,
        },
        this.yearEndCancelled(cluster),
      );
    }
  }

  visits(cluster: ClusterRow, which: (v: InspectionVisit) => boolean): void {
    const ye = cluster.yearEnd;
    if (!ye) return;
    const cwid = clusterWorkflowId(this.cycleId, cluster.clusterId);
    const names = new Map(ye.members.map((m) => [m.unitId, m.unitName]));
    for (const v of (ye.visits ?? []).filter(which)) {
      const unitName = names.get(v.unitId) ?? v.unitId;
      this.push(
        {
          uid: `${cwid}:visit:${v.unitId}@thidua`,
          sequence: 0,
          kind: 'inspection',
          title: `Kiểm tra công tác thi đua – ${unitName}`,
          description: `Đoàn kiểm tra ${cluster.name} làm việc với ${unitName} (buổi ${v.slot === 'morning' ? 'sáng' : 'chiều'} ${this.local(v.startsAt, 'dd/MM/yyyy')}).`,
          location: v.place,
          start: v.startsAt,
          end: v.endsAt,
        },
        this.yearEndCancelled(cluster),
      );
    }
  }

  /** The cluster's meeting: the date in force (the year-end's own, once moved) and its version. */
  meeting(cluster: ClusterRow): void {
    const meeting: MeetingSchedule | undefined = cluster.state?.meeting ?? cluster.yearEnd?.meeting;
    if (!meeting) return;
    this.push(
      {
        uid: `${clusterWorkflowId(this.cycleId, cluster.clusterId)}:meeting@thidua`,
        sequence: cluster.state?.meetingVersion ?? 0,
        kind: 'meeting',
        title: `Hội nghị bình xét thi đua – ${cluster.name}`,
        description: `Hội nghị tổng kết, bình xét thi đua và bỏ phiếu kín của ${cluster.name}, ${this.local(meeting.opensAt)} – ${this.local(meeting.closesAt, 'HH:mm')}.`,
        location: meeting.place,
        start: meeting.opensAt,
        end: meeting.closesAt,
      },
      this.yearEndCancelled(cluster),
    );
  }

  private stepDeadline(workflowId: string, step: StepName, state: StepState, unitName: string, cancelled = false): void {
    if (state.status === 'approved') return;
    const title = STEP_KINDS[step].title.vi;
    this.push(
      {
        uid: `${workflowId}:${step}:due@thidua`,
        sequence: state.scheduleVersion ?? 0,
        kind: 'deadline',
        // As in the emails' attachments: "<step> – <unit>".
        title: `${title} – ${unitName}`,
        description: `${title} – ${unitName}. Hạn chót: ${this.local(state.schedule.dueAt)} (${this.zoneName()}). Tình trạng: ${STATUS_VI[state.status] ?? state.status}.`,
        start: state.schedule.dueAt,
      },
      cancelled || state.status === 'cancelled',
    );
  }

  private push(item: CalendarItem, cancelled: boolean): void {
    if (item.location === undefined) delete item.location;
    this.items.push(cancelled || this.cycleCancelled ? cancelledItem(item) : item);
  }

  private yearEndCancelled(cluster: ClusterRow): boolean {
    return cluster.state?.phase === 'cancelled';
  }

  private zoneName(): string {
    return this.tz === 'Asia/Ho_Chi_Minh' ? 'giờ Việt Nam' : `giờ ${this.tz}`;
  }

  private local(iso: string, format = "HH:mm 'ngày' dd/MM/yyyy"): string {
    return DateTime.fromISO(iso, { zone: this.tz }).toFormat(format);
  }
}

const STATUS_VI: Record<string, string> = {
  pending: 'chưa mở',
  open: 'đang chờ đơn vị gửi',
  submitted: 'đã gửi, chờ thẩm định',
  returned: 'bị trả lại, chờ đơn vị gửi lại',
  approved: 'đã duyệt',
  cancelled: 'đã hủy',
};
