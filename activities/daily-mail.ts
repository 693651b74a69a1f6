/** The cycle's daily mail (the daily-mail workflow's one activity): personal digests and the secretariat's digest. */
import { log } from '@temporalio/activity';
import { localDate } from '../rules/calendar';
import { calendarOf } from '../rules/compile';
import { dailyMailTimes } from '../rules/daily-mail';
import type { Plan } from '../rules/plan';
import type { DailyMailInput, DailyMailResult } from '../workflows/cycle/definitions';
import { sendDigests } from './digest';
import { sendSecretariatDigest } from './secretariat-digest';
import type { ActivityDeps } from '.';

const ENDED = new Set(['completed', 'cancelled', 'failed']);

export function createDailyMailActivities(deps: ActivityDeps) {
  return {
    /**
     * Sends what is due at `at` (the workflow's time) and says when to come back. Once the cycle has
     * ended, held digest items are dropped (they nag about closed steps) and the workflow ends.
     */
    async dailyMail(input: DailyMailInput): Promise<DailyMailResult> {
      const cycle = await deps.models.Cycle.findById(input.cycleId).lean();
      if (!cycle) return { done: true, nextAt: input.at };
      const plan = cycle.plan as Plan;
      const cal = calendarOf(plan);
      const digest = plan.notifications?.digest === true;
      const times = dailyMailTimes(input.at, cal, { digest, digestTime: plan.notifications?.digestTime });
      // A cycle whose workflow was terminated never says it ended: past the year after its own, it has.
      const ended = ENDED.has(cycle.status) || localDate(input.at, cal.timeZone) > `${cycle.year + 1}-12-31`;
      const result: DailyMailResult = { nextAt: times.nextAt, done: ended };
      if (digest && (times.digestThrough || ended)) {
        // Once the cycle has ended every held day goes (dropped), today's included.
        result.digests = await sendDigests(deps, input.cycleId, ended ? '9999-12-31' : times.digestThrough!, { drop: ended, log });
      }
      if (times.secretariatDay && !ended) {
        const s = await sendSecretariatDigest(deps, input.cycleId, times.secretariatDay, input.at);
        result.secretariat = { day: times.secretariatDay, items: s.items, sent: s.sent.length };
      }
      return result;
    },
  };
}
