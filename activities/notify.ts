import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { feedTokenFor, feedUrl } from '../lib/feeds';
import { createLinkToken, linkUrl } from '../lib/links';
import { icsForMail, icsItemsForMail, type IcsAttachment } from '../lib/mail/ics';
import { PermanentMailError, sendOnce, type OutgoingMail } from '../lib/mail/outbox';
import type { RenderedMail } from '../lib/mail/render';
import { STEP_KINDS } from '../rules/steps';
import type { CycleRef, LinkRole, Person, StepName, YearEndLinkRole } from '../workflows/cycle/definitions';
import { createDigestRecorder } from './digest';
import { resolveMailDocuments, type MailDocument } from './mail-documents';
import type { ActivityDeps } from '.';

export interface NotifyInput {
  /** Business key of the notice; each recipient's message is keyed `<key>:<email>`. */
  key: string;
  /** What the message is: request, reminder, escalation, review-request, returned, approved. */
  kind: string;
  /** The step it is about: its own templates (`<step>.<kind>`) win over the generic `step.<kind>`. */
  step?: StepName;
  /** A message that is not about a unit's step (the cluster's year-end) names its template instead. */
  template?: string;
  cycle: CycleRef;
  to: Person[];
  data: Record<string, unknown>;
  /** When set, every recipient gets a personal link to this step (or year-end action). */
  link?: { workflowId: string; step: string; role: LinkRole | YearEndLinkRole; expiresAt: string };
  /** A notice with no personal link that still offers a calendar feed (the launch notice: the unit's). */
  feed?: { kind: 'unit'; id: string };
  /** The stored documents the message links (set by the activity from the message: activities/mail-documents.ts). */
  documents?: MailDocument[];
}

/** A notice listing several deadlines (the launch notice): each one's calendar entry, with the UID its requests will carry. */
export interface DeadlineItem {
  step: StepName;
  opensAt: string;
  dueAt: string;
  /** `<unitWorkflowId>:<step>:due@thidua`, as the step's own requests and the feeds name it. */
  uid: string;
  sequence: number;
}

/** Messages that ask someone to act carry the deadline as a calendar item. */
const KINDS_WITH_DEADLINE = new Set(['request', 'reminder', 'overdue', 'returned', 'deadline-changed', 'inspection.request', 'inspection.reminder', 'crosscheck.assignment']);
/** A step that closes without the unit's work (withdrawn, cycle cancelled) withdraws its deadline from the calendar. */
const KINDS_CANCELLING_DEADLINE = new Set(['withdrawn', 'cancelled']);
/** A meeting or an inspection visit travels as a calendar event (same UID, higher sequence when it moves). */
export interface CalendarEventData {
  uid: string;
  sequence: number;
  kind: 'meeting' | 'inspection';
  start: string;
  end: string;
  location?: string;
  /** The event is withdrawn (METHOD:CANCEL; `sequence` is already the next one). */
  cancelled?: boolean;
}

export interface NotifyResult {
  sent: string[];
  alreadySent: string[];
  refused: { email: string; reason: string }[];
  /** Held for the recipient's daily digest (plans with `notifications.digest`). */
  queued?: string[];
}

interface ActivityLog {
  warn(message: string, attrs?: Record<string, unknown>): void;
}

/** One recipient's message of a notice, ready for the outbox (and what a digest lists of it). */
export interface ComposedNotice {
  mail: OutgoingMail;
  link?: string;
  title?: string;
  dueAt?: string;
}

/**
 * Renders one recipient's message: the step's own template (or the year-end's), the personal link,
 * the calendar attachment. Pure given its inputs (the link token derives from the step's expiry), so
 * a digest composed later lists exactly what the message alone would have said.
 */
export function composeNotice(deps: Pick<ActivityDeps, 'linkSecret' | 'publicBaseUrl' | 'renderer' | 'mailFrom'>, input: NotifyInput, person: Person): ComposedNotice {
  const link = input.link
    ? linkUrl(
        deps.publicBaseUrl,
        createLinkToken(deps.linkSecret, {
          w: input.link.workflowId,
          s: input.link.step,
          r: input.link.role,
          p: person.email,
          x: Math.floor(Date.parse(input.link.expiresAt) / 1000),
        }),
      )
    : undefined;
  const base = input.step ? [`${input.step}.${input.kind}`, `step.${input.kind}`] : [input.template ?? input.kind];
  // The dashboard's "remind now" / "escalate now" have their own wording (`…-manual`), else the planned one.
  const templates = input.data.manual === true ? [...base.map((t) => `${t}-manual`), ...base] : base;
  const title = input.step ? STEP_KINDS[input.step].title[person.lang] : undefined;
  const deadlines = deadlinesOf(input, person);
  const mail = deps.renderer.render(templates, person.lang, {
    ...input.data,
    ...(deadlines ? { deadlines } : {}),
    documents: (input.documents ?? []).map((d) => ({ ...d, title: d.title[person.lang] })),
    feedUrl: feedFor(deps, input, person),
    stepTitle: title,
    year: input.cycle.year,
    bodyName: input.cycle.bodyName,
    timeZone: input.cycle.timeZone,
    recipient: person,
    link,
  });
  const dueAt = typeof input.data.dueAt === 'string' ? input.data.dueAt : undefined;
  return {
    mail: {
      key: `${input.key}:${person.email}`,
      cycleId: input.cycle.cycleId,
      kind: input.step ? `${input.step}.${input.kind}` : (input.template ?? input.kind),
      to: person.email,
      from: deps.mailFrom,
      ...mail,
      attachments: deadlines ? [deadlinesCalendar(deadlines, input)] : calendarAttachments(deps, input, person, mail, link, title, dueAt),
    },
    link,
    title,
    dueAt,
  };
}

/** The deadlines a notice lists, with their step titles in the recipient's language (undefined: none listed). */
function deadlinesOf(input: NotifyInput, person: Person): (DeadlineItem & { title: string })[] | undefined {
  const list = input.data.deadlines as DeadlineItem[] | undefined;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.map((d) => ({ ...d, title: STEP_KINDS[d.step].title[person.lang] }));
}

/** One calendar with every deadline listed: the same entries the step's requests will update later. */
function deadlinesCalendar(deadlines: (DeadlineItem & { title: string })[], input: NotifyInput): IcsAttachment {
  const unitName = String(input.data.unitName ?? '');
  const items = deadlines.map((d) => ({ uid: d.uid, sequence: d.sequence, kind: 'deadline' as const, title: `${d.title} – ${unitName}`, start: d.dueAt }));
  // DTSTAMP: the earliest opening (fixed by the plan), never "now", so a retry sends the same bytes.
  const stamp = deadlines.map((d) => d.opensAt).sort()[0];
  return icsItemsForMail(items, 'PUBLISH', stamp);
}

function calendarAttachments(
  deps: Pick<ActivityDeps, 'mailFrom'>,
  input: NotifyInput,
  person: Person,
  mail: RenderedMail,
  link: string | undefined,
  title: string | undefined,
  dueAt: string | undefined,
): IcsAttachment[] | undefined {
  const event = input.data.calendarEvent as CalendarEventData | undefined;
  // One calendar item per unit and step (stable UID), so every reminder updates the same entry.
  if (input.link && dueAt && KINDS_WITH_DEADLINE.has(input.kind)) {
    return [
      icsForMail(
        {
          uid: `${input.link.workflowId}:${input.link.step}:due@thidua`,
          // A moved deadline updates the same calendar entry (same UID, higher sequence).
          sequence: Number(input.data.scheduleVersion ?? 0),
          kind: 'deadline',
          title: `${title ?? mail.subject} – ${String(input.data.unitName ?? '')}`,
          description: link,
          url: link,
          start: dueAt,
        },
        'PUBLISH',
        dueAt,
      ),
    ];
  }
  // The step's deadline leaves the calendar: its UID is the one its requests carried (`<workflowId>:<step>:due`).
  const cancelSuffix = input.step ? `:${input.step}:${input.kind}` : '';
  if (input.step && dueAt && KINDS_CANCELLING_DEADLINE.has(input.kind) && input.key.endsWith(cancelSuffix)) {
    const workflowId = input.key.slice(0, -cancelSuffix.length);
    return [
      icsForMail(
        {
          uid: `${workflowId}:${input.step}:due@thidua`,
          sequence: Number(input.data.scheduleVersion ?? 0) + 1,
          kind: 'deadline',
          title: `${title ?? mail.subject} – ${String(input.data.unitName ?? '')}`,
          start: dueAt,
          organizer: organizerOf(deps.mailFrom),
          attendees: [{ name: person.name, email: person.email }],
        },
        'CANCEL',
        dueAt,
      ),
    ];
  }
  if (!event) return undefined;
  if (event.cancelled) {
    const item = { ...event, title: mail.subject, organizer: organizerOf(deps.mailFrom), attendees: [{ name: person.name, email: person.email }] };
    return [icsForMail(item, 'CANCEL', event.start)];
  }
  return [icsForMail({ ...event, title: mail.subject, description: mail.text.slice(0, 500) }, 'PUBLISH', event.start)];
}

/** The sender of every message as the ORGANIZER that iTIP's CANCEL requires. */
export function organizerOf(mailFrom: string): { name: string; email: string } {
  const m = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(mailFrom);
  return m ? { name: m[1].replace(/^"|"$/g, '') || m[2], email: m[2] } : { name: mailFrom, email: mailFrom };
}

export function createMailActivities(deps: ActivityDeps, log: ActivityLog) {
  const digest = createDigestRecorder(deps);
  return {
    /**
     * One message per recipient, each through the outbox. A transient failure throws (Temporal
     * retries; recipients already served are skipped); a permanent refusal is recorded in the
     * outbox for the secretariat and reported, not retried. With the plan's digest on, planned
     * reminders and escalations are held for the recipient's daily digest instead (activities/digest.ts).
     */
    async notify(notice: NotifyInput): Promise<NotifyResult> {
      const result: NotifyResult = { sent: [], alreadySent: [], refused: [] };
      // The documents the message is about, as links to their latest stored version.
      const documents = await resolveMailDocuments(deps, notice);
      const input: NotifyInput = documents.length > 0 ? { ...notice, documents } : notice;
      // The day of a digest item is the day the workflow asked (its schedule time, the same on every retry).
      const digestible = await digest.digestible(input);
      for (const person of input.to) {
        if (digestible && (await digest.hold(input, person, activityInfo().scheduledTimestampMs)) === 'held') {
          (result.queued ??= []).push(person.email);
          continue;
        }
        try {
          const r = await sendOnce(deps.models, deps.transport, composeNotice(deps, input, person).mail);
          (r === 'sent' ? result.sent : result.alreadySent).push(person.email);
        } catch (err) {
          if (!(err instanceof PermanentMailError)) throw err;
          log.warn('mail refused permanently', { key: input.key, email: person.email, reason: err.message });
          result.refused.push({ email: person.email, reason: err.message });
        }
      }
      if (result.refused.length === input.to.length && input.to.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `every recipient refused: ${result.refused.map((r) => `${r.email} (${r.reason})`).join('; ')}`,
          'MailRefused',
        );
      }
      return result;
    },
  };
}

/**
 * The recipient's calendar feed, offered in the footer of a message that asks them to act: a unit's
 * contact gets the unit's feed, staff (reviewer, inspector, chair) their own.
 */
function feedFor(deps: Pick<ActivityDeps, 'linkSecret' | 'publicBaseUrl'>, input: NotifyInput, person: Person): string | undefined {
  if (!input.link) return input.feed ? feedUrl(deps.publicBaseUrl, feedTokenFor(deps.linkSecret, input.cycle.cycleId, input.feed.kind, input.feed.id)) : undefined;
  const unitId = /:unit:([^:]+)$/.exec(input.link.workflowId)?.[1];
  const token =
    input.link.role === 'unit' && unitId
      ? feedTokenFor(deps.linkSecret, input.cycle.cycleId, 'unit', unitId)
      : input.link.role === 'reviewer' || input.link.role === 'inspector' || input.link.role === 'chair'
        ? feedTokenFor(deps.linkSecret, input.cycle.cycleId, 'staff', person.email)
        : undefined;
  return token ? feedUrl(deps.publicBaseUrl, token) : undefined;
}
