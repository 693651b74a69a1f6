/**
 * A person's daily digest (plans with `notifications.digest`): the planned reminders and escalations
 * a person would get on one local day come as one email listing them, at the plan's `digestTime`.
 *
 * Durable and exactly-once with unique inserts only (FerretDB has no transactions):
 * 1. `notify` holds a digestible notice as an item `<cycle>|<day>|<mail key>` (the day of the
 *    activity's schedule time, the same on every retry), then looks for the group's seal
 *    `<cycle>|<day>|<email>`. No seal: the item waits for the digest. A seal: the digest is being
 *    or was composed — once its content exists, an item it does not list is sent on its own (its own
 *    outbox key, so a retry does not send it twice); until then the activity retries.
 * 2. The daily run (`sendDigests`) seals each due group, then reads its items and fixes the content
 *    (first writer wins; a retry uses the stored list), then sends one email through the outbox
 *    (`<cycle>:digest:<day>:<email>`), or the item's own message when the content is one item.
 * An item inserted before its recorder saw no seal is read by the run (which reads after sealing);
 * one that saw the seal is either listed or sent alone. So every item goes out once, in one place.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isDuplicateKey } from '../lib/db';
import { PermanentMailError, sendOnce } from '../lib/mail/outbox';
import { localDate } from '../rules/calendar';
import type { Plan } from '../rules/plan';
import type { Person } from '../workflows/cycle/definitions';
import { composeNotice, type NotifyInput } from './notify';
import type { ActivityDeps } from '.';

const groupId = (cycleId: string, day: string, email: string) => `${cycleId}|${day}|${email}`;

/** Planned nudges gather in a digest; requests, returns, decisions and the dashboard's manual actions never wait. */
export function isDigestible(input: Pick<NotifyInput, 'kind' | 'step' | 'template' | 'data'>): boolean {
  if (input.data.manual === true) return false;
  if (input.step) return input.kind === 'reminder' || input.kind === 'escalation';
  return input.template === 'inspection.reminder';
}

export function createDigestRecorder(deps: Pick<ActivityDeps, 'models' | 'linkSecret' | 'publicBaseUrl' | 'renderer' | 'mailFrom' | 'transport'>) {
  const { models } = deps;
  // A cycle's notifications settings do not change while it runs: read once per worker.
  const settings = new Map<string, boolean>();
  return {
    async digestible(input: NotifyInput): Promise<boolean> {
      if (!isDigestible(input)) return false;
      let on = settings.get(input.cycle.cycleId);
      if (on === undefined) {
        const cycle = await models.Cycle.findById(input.cycle.cycleId, { plan: 1 }).lean();
        on = (cycle?.plan as Plan | undefined)?.notifications?.digest === true;
        settings.set(input.cycle.cycleId, on);
      }
      return on;
    },

    /** 'held': the digest has it (or will); 'send': the digest already went out without it — send it now. */
    async hold(input: NotifyInput, person: Person, scheduledMs: number): Promise<'held' | 'send'> {
      const { cycleId, timeZone } = input.cycle;
      const day = localDate(new Date(scheduledMs).toISOString(), timeZone);
      const mailKey = `${input.key}:${person.email}`;
      const itemId = `${cycleId}|${day}|${mailKey}`;
      try {
        await models.DigestItem.create({
          _id: itemId,
          cycleId,
          day,
          to: person.email,
          mailKey,
          notice: JSON.stringify({ ...input, to: [person] }),
          createdAt: new Date(),
        });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const group = groupId(cycleId, day, person.email);
      if (!(await models.DigestSeal.exists({ _id: group }))) return 'held';
      const content = await models.DigestContent.findById(group).lean();
      if (!content) throw ApplicationFailure.retryable(`the digest ${group} is being composed; retry`, 'DigestComposing');
      if (content.items.includes(itemId)) return 'held';
      // The caller sends it now (outbox-keyed); marking it done keeps the daily run from reading it again.
      await models.DigestItem.updateOne({ _id: itemId }, { $set: { done: true, outcome: 'alone' } });
      return 'send';
    },
  };
}

export interface SendDigestsResult {
  digests: number;
  alone: number;
  refused: number;
  dropped: number;
}

/**
 * Sends every due group: days up to `through` (local dates). `drop`: the cycle has ended — what is
 * still held is about steps that are closed, so it is recorded as dropped, not sent.
 */
export async function sendDigests(
  deps: Pick<ActivityDeps, 'models' | 'linkSecret' | 'publicBaseUrl' | 'renderer' | 'mailFrom' | 'transport'>,
  cycleId: string,
  through: string,
  opts: { drop?: boolean; log?: { warn(m: string, a?: Record<string, unknown>): void } } = {},
): Promise<SendDigestsResult> {
  const { models } = deps;
  const result: SendDigestsResult = { digests: 0, alone: 0, refused: 0, dropped: 0 };
  const waiting = await models.DigestItem.find({ cycleId, done: false, day: { $lte: through } }, { day: 1, to: 1 }).lean();
  if (opts.drop) {
    if (waiting.length > 0) await models.DigestItem.updateMany({ _id: { $in: waiting.map((w) => w._id) } }, { $set: { done: true, outcome: 'dropped' } });
    return { ...result, dropped: waiting.length };
  }
  const groups = [...new Set(waiting.map((w) => groupId(cycleId, w.day, w.to)))].sort();
  for (const group of groups) {
    const [, day, to] = group.split('|');
    try {
      await models.DigestSeal.create({ _id: group, cycleId, day, to, sealedAt: new Date() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    // Read after sealing: every item whose recorder did not see the seal is here.
    let content = await models.DigestContent.findById(group).lean();
    if (!content) {
      const items = await models.DigestItem.find({ cycleId, day, to, outcome: { $ne: 'alone' } }, { _id: 1, notice: 1 }).lean();
      // A step the unit has acted on since 08:00 (sent, approved, closed) needs no nudge any more.
      const fresh: string[] = [];
      for (const i of items) {
        if (await stillAwaited(models, JSON.parse(i.notice) as NotifyInput)) fresh.push(i._id);
        else await models.DigestItem.updateOne({ _id: i._id }, { $set: { done: true, outcome: 'stale' } });
      }
      try {
        await models.DigestContent.create({ _id: group, items: fresh.sort(), at: new Date() });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      content = await models.DigestContent.findById(group).lean();
    }
    const docs = await models.DigestItem.find({ _id: { $in: content!.items } }).lean();
    const byId = new Map(docs.map((d) => [d._id, d]));
    const notices = content!.items.map((id) => JSON.parse(byId.get(id)!.notice) as NotifyInput);
    try {
      const composed = notices.map((n) => composeNotice(deps, n, n.to[0]));
      if (composed.length === 1) {
        await sendOnce(models, deps.transport, composed[0].mail);
        result.alone += 1;
      } else if (composed.length > 1) {
        const person = notices[0].to[0];
        const cycle = notices[0].cycle;
        const mail = deps.renderer.render('digest.daily', person.lang, {
          recipient: person,
          year: cycle.year,
          bodyName: cycle.bodyName,
          timeZone: cycle.timeZone,
          day,
          dayLabel: day.split('-').reverse().join('/'),
          count: composed.length,
          items: composed.map((c, i) => ({ subject: c.mail.subject, link: c.link, dueAt: c.dueAt, unitName: notices[i].data.unitName, title: c.title })),
        });
        await sendOnce(models, deps.transport, {
          key: `${cycleId}:digest:${day}:${to}`,
          cycleId,
          kind: 'digest.daily',
          to,
          from: deps.mailFrom,
          ...mail,
          attachments: composed.flatMap((c) => c.mail.attachments ?? []),
        });
        result.digests += 1;
      }
    } catch (err) {
      if (!(err instanceof PermanentMailError)) throw err;
      // Recorded as failed in the outbox (the dashboard shows it); the digest is not tried again.
      opts.log?.warn('digest refused permanently', { group, reason: err.message });
      result.refused += 1;
    }
    if (content!.items.length > 0) await models.DigestItem.updateMany({ _id: { $in: content!.items } }, { $set: { done: true, outcome: 'digest' } });
  }
  return result;
}

/**
 * Whether the unit's step a held notice is about still waits for the unit (read model). Notices that
 * are not about a unit's step (an inspector's reminder) are always still due.
 */
async function stillAwaited(models: ActivityDeps['models'], n: NotifyInput): Promise<boolean> {
  if (!n.step) return true;
  const at = n.key.lastIndexOf(`:${n.step}:`);
  if (at < 0) return true;
  const row = await models.StepState.findById(`${n.key.slice(0, at)}:${n.step}`, { status: 1 }).lean();
  return !row || row.status === 'open' || row.status === 'returned';
}
