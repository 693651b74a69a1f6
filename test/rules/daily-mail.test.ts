import { dailyMailTimes } from '../../rules/daily-mail';
import { validatePlan } from '../../rules/plan';
import { smallPlan } from '../helpers/plans';

// Asia/Ho_Chi_Minh: 08:00 = 01:00Z, 08:30 = 01:30Z. 2024-03-01 is a Friday, 2024-03-02/03 a weekend.
const cal = { timeZone: 'Asia/Ho_Chi_Minh', holidays: ['2024-03-04'], workingWeekdays: [1, 2, 3, 4, 5], extraWorkingDays: [] };

describe('dailyMailTimes', () => {
  test.each([
    ['Fri 07:00, digest on: yesterday digested, today 08:00 next', '2024-03-01T00:00:00Z', true, { digestThrough: '2024-02-29', nextAt: '2024-03-01T01:00:00.000Z' }],
    ['Fri 08:00: the secretariat of Friday, the digest at 08:30 next', '2024-03-01T01:00:00Z', true, { digestThrough: '2024-02-29', secretariatDay: '2024-03-01', nextAt: '2024-03-01T01:30:00.000Z' }],
    ['Fri 08:30: Friday digested; Saturday 08:30 next (digests run every day)', '2024-03-01T01:30:00Z', true, { digestThrough: '2024-03-01', secretariatDay: '2024-03-01', nextAt: '2024-03-02T01:30:00.000Z' }],
    ['Fri 08:30, digest off: past the weekend and the Monday holiday to Tuesday 08:00', '2024-03-01T01:30:00Z', false, { secretariatDay: '2024-03-01', nextAt: '2024-03-05T01:00:00.000Z' }],
    ['Sat 09:00: no secretariat digest on a weekend', '2024-03-02T02:00:00Z', true, { digestThrough: '2024-03-02', nextAt: '2024-03-03T01:30:00.000Z' }],
    ['Mon holiday 09:00, digest off: Tuesday', '2024-03-04T02:00:00Z', false, { nextAt: '2024-03-05T01:00:00.000Z' }],
  ])('%s', (_what, at, digest, expected) => {
    expect(dailyMailTimes(at, cal, { digest })).toEqual(expected);
  });

  test('a later digest time', () => {
    expect(dailyMailTimes('2024-03-01T01:30:00Z', cal, { digest: true, digestTime: '09:15' })).toEqual({
      digestThrough: '2024-02-29',
      secretariatDay: '2024-03-01',
      nextAt: '2024-03-01T02:15:00.000Z',
    });
  });
});

describe('plan notifications', () => {
  test('accepted with defaults; optional', () => {
    const r = validatePlan(smallPlan({ notifications: { digest: true } }));
    expect(r.ok && r.plan.notifications).toEqual({ digest: true, digestTime: '08:30', secretariat: [] });
    const none = validatePlan(smallPlan());
    expect(none.ok && none.plan.notifications).toBeUndefined();
  });

  test('a digest before the notices, a bad address, a bad flag: refused by path', () => {
    const r = validatePlan(smallPlan({ notifications: { digest: 'yes' as unknown as boolean, digestTime: '07:30', secretariat: ['not-an-email'] } }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual(['notifications.digest', 'notifications.digestTime', 'notifications.secretariat[0]']);
    expect(r.problems.find((p) => p.path === 'notifications.digestTime')!.message).toMatch(/after 08:00/);
  });
});
