/**
 * The secretariat's daily escalation digest: once per working day (08:00 local) the secretariat
 * (enabled staff accounts with the secretariat role, within their cluster scope, and the plan's
 * `notifications.secretariat` addresses) gets one email listing what became overdue or stuck since
 * the previous digest. "Stuck" is the dashboard's own list, from the MongoDB read model
 * (buildCycleView in api/services/dashboard.ts); Temporal's part of the dashboard is left to the page.
 *
 * The day's run is recorded under `<cycleId>|<day>` (first writer wins) with every stuck key of that
 * moment and the new items as listed: a retry sends the same list, and the next day compares with it.
 * Nothing new: no email.
 */
import { buildCycleView, DEFAULT_IDLE_DAYS, DEFAULT_SLA_DAYS, type ClusterRow, type CycleRow, type OutboxRow, type StepRow, type StuckItem } from '../api/services/dashboard';
import type { YearEndRow } from '../api/services/dashboard-year-end';
import { isDuplicateKey } from '../lib/db';
import { PermanentMailError, sendOnce } from '../lib/mail/outbox';
import type { Lang } from '../lib/mail/render';
import type { Plan } from '../rules/plan';
import type { ActivityDeps } from '.';

/** One stuck thing, in both languages (each recipient reads their own). */
export interface DigestStuckItem {
  key: string;
  clusterId: string;
  daysOverdue: number;
  vi: { clusterName: string; unitName: string; stepTitle?: string; reasons: string[] };
  en: { clusterName: string; unitName: string; stepTitle?: string; reasons: string[] };
}

/**
 * The keys of an item's reasons: a step's reason by its code (its text counts days, which change
 * daily), the others (a refused email, a year-end's) by their text, which names what is stuck.
 */
export function stuckKeys(item: StuckItem): string[] {
  return item.reasons.map((r) => (item.step ? `${item.workflowId}:${item.step}:${r.code}` : `${item.workflowId || item.unitName}:${r.code}:${r.text}`));
}

/** What is stuck now and not in the previous digest's keys, with both languages' wording. */
export function newSince(vi: StuckItem[], en: StuckItem[], previous: ReadonlySet<string>): { keys: string[]; items: DigestStuckItem[] } {
  const keys: string[] = [];
  const items: DigestStuckItem[] = [];
  vi.forEach((item, i) => {
    const k = stuckKeys(item);
    keys.push(...k);
    const fresh = item.reasons.map((_, j) => j).filter((j) => !previous.has(k[j]));
    if (fresh.length === 0) return;
    const e = en[i];
    const side = (it: StuckItem) => ({ clusterName: it.clusterName, unitName: it.unitName, stepTitle: it.stepTitle, reasons: fresh.map((j) => it.reasons[j].text) });
    items.push({ key: k[fresh[0]], clusterId: item.clusterId, daysOverdue: item.daysOverdue, vi: side(item), en: side(e) });
  });
  return { keys, items };
}

export async function sendSecretariatDigest(deps: Pick<ActivityDeps, 'models' | 'renderer' | 'mailFrom' | 'transport'>, cycleId: string, day: string, at: string): Promise<{ items: number; sent: string[] }> {
  const { models } = deps;
  const id = `${cycleId}|${day}`;
  let run = await models.SecretariatDigest.findById(id).lean();
  const cycle = (await models.Cycle.findById(cycleId).lean()) as (CycleRow & { plan: Plan }) | null;
  if (!cycle) return { items: 0, sent: [] };
  if (!run) {
    const [clusters, rows, failed, yearEnds, previous] = await Promise.all([
      models.ClusterPlan.find({ cycleId }).lean() as Promise<ClusterRow[]>,
      models.StepState.find({ cycleId }).lean() as Promise<StepRow[]>,
      models.Outbox.find({ cycleId, status: 'failed' }).sort({ createdAt: -1 }).limit(500).lean() as Promise<OutboxRow[]>,
      models.ClusterYearEnd.find({ cycleId }).lean() as Promise<YearEndRow[]>,
      models.SecretariatDigest.find({ cycleId, day: { $lt: day } }).sort({ day: -1 }).limit(1).lean(),
    ]);
    const view = (lang: Lang) =>
      buildCycleView(cycle, clusters, rows, failed, { now: new Date(at), lang, slaDays: DEFAULT_SLA_DAYS, idleDays: DEFAULT_IDLE_DAYS, namespace: 'default' }, yearEnds).stuck;
    const { keys, items } = newSince(view('vi'), view('en'), new Set(previous[0]?.keys ?? []));
    try {
      await models.SecretariatDigest.create({ _id: id, cycleId, day, keys, items: JSON.stringify(items), at: new Date(at) });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    run = await models.SecretariatDigest.findById(id).lean();
  }
  const items = JSON.parse(run!.items) as DigestStuckItem[];
  const sent: string[] = [];
  if (items.length === 0) return { items: 0, sent };

  const plan = cycle.plan;
  const langOf = (email: string): Lang => plan.staff?.find((s) => s.email.toLowerCase() === email)?.lang ?? 'vi';
  const accounts = await models.StaffAccount.find({ roles: 'secretariat' }, { passwordHash: 0 }).lean();
  const recipients = new Map<string, { name: string; clusters?: string[] }>();
  for (const a of accounts) if (!a.disabledAt) recipients.set(a._id, { name: a.name, clusters: a.scope?.clusters });
  // A plan address sees every cluster (it is the plan's own secretariat).
  for (const email of plan.notifications?.secretariat ?? []) recipients.set(email.toLowerCase(), { name: plan.staff?.find((s) => s.email.toLowerCase() === email.toLowerCase())?.name ?? email });

  for (const [email, r] of [...recipients].sort(([a], [b]) => a.localeCompare(b))) {
    const mine = r.clusters?.length ? items.filter((i) => r.clusters!.includes(i.clusterId)) : items;
    if (mine.length === 0) continue;
    const lang = langOf(email);
    const mail = deps.renderer.render('secretariat.digest', lang, {
      recipient: { name: r.name, email },
      year: cycle.year,
      bodyName: cycle.bodyName,
      day,
      dayLabel: day.split('-').reverse().join('/'),
      count: mine.length,
      items: mine.map((i) => ({ ...i[lang], daysOverdue: i.daysOverdue })),
    });
    try {
      await sendOnce(models, deps.transport, { key: `${cycleId}:secretariat-digest:${day}:${email}`, cycleId, kind: 'secretariat.digest', to: email, from: deps.mailFrom, ...mail });
      sent.push(email);
    } catch (err) {
      if (!(err instanceof PermanentMailError)) throw err;
    }
  }
  return { items: items.length, sent };
}
