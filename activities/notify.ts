import { ApplicationFailure } from '@temporalio/common';
import { feedTokenFor, feedUrl } from '../lib/feeds';
import { createLinkToken, linkUrl } from '../lib/links';
import { icsForMail } from '../lib/mail/ics';
import { PermanentMailError, sendOnce } from '../lib/mail/outbox';
import { STEP_KINDS } from '../rules/steps';
import type { CycleRef, LinkRole, Person, StepName, YearEndLinkRole } from '../workflows/cycle/definitions';
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
}

/** Messages that ask someone to act carry the deadline as a calendar item. */
const KINDS_WITH_DEADLINE = new Set(['request', 'reminder', 'returned', 'deadline-changed', 'inspection.request', 'inspection.reminder', 'crosscheck.assignment']);
/** A meeting or an inspection visit travels as a calendar event (same UID, higher sequence when it moves). */
export interface CalendarEventData {
  uid: string;
  sequence: number;
  kind: 'meeting' | 'inspection';
  start: string;
  end: string;
  location?: string;
}

export interface NotifyResult {
  sent: string[];
  alreadySent: string[];
  refused: { email: string; reason: string }[];
}

interface ActivityLog {
  warn(message: string, attrs?: Record<string, unknown>): void;
}

export function createMailActivities(deps: ActivityDeps, log: ActivityLog) {
  return {
    /**
     * One message per recipient, each through the outbox. A transient failure throws (Temporal
     * retries; recipients already served are skipped); a permanent refusal is recorded in the
     * outbox for the secretariat and reported, not retried.
     */
    async notify(input: NotifyInput): Promise<NotifyResult> {
      const result: NotifyResult = { sent: [], alreadySent: [], refused: [] };
      for (const person of input.to) {
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
        const templates = input.step ? [`${input.step}.${input.kind}`, `step.${input.kind}`] : [input.template ?? input.kind];
        const title = input.step ? STEP_KINDS[input.step].title[person.lang] : undefined;
        const mail = deps.renderer.render(templates, person.lang, {
          ...input.data,
          feedUrl: feedFor(deps, input, person),
          stepTitle: title,
          year: input.cycle.year,
          bodyName: input.cycle.bodyName,
          timeZone: input.cycle.timeZone,
          recipient: person,
          link,
        });
        // One calendar item per unit and step (stable UID), so every reminder updates the same entry.
        const dueAt = typeof input.data.dueAt === 'string' ? input.data.dueAt : undefined;
        const event = input.data.calendarEvent as CalendarEventData | undefined;
        const attachments =
          input.link && dueAt && KINDS_WITH_DEADLINE.has(input.kind)
            ? [
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
              ]
            : event
              ? [icsForMail({ ...event, title: mail.subject, description: mail.text.slice(0, 500) }, 'PUBLISH', event.start)]
              : undefined;
        try {
          const r = await sendOnce(deps.models, deps.transport, {
            key: `${input.key}:${person.email}`,
            cycleId: input.cycle.cycleId,
            kind: input.step ? `${input.step}.${input.kind}` : (input.template ?? input.kind),
            to: person.email,
            from: deps.mailFrom,
            ...mail,
            attachments,
          });
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
  if (!input.link) return undefined;
  const unitId = /:unit:([^:]+)$/.exec(input.link.workflowId)?.[1];
  const token =
    input.link.role === 'unit' && unitId
      ? feedTokenFor(deps.linkSecret, input.cycle.cycleId, 'unit', unitId)
      : input.link.role === 'reviewer' || input.link.role === 'inspector' || input.link.role === 'chair'
        ? feedTokenFor(deps.linkSecret, input.cycle.cycleId, 'staff', person.email)
        : undefined;
  return token ? feedUrl(deps.publicBaseUrl, token) : undefined;
}
