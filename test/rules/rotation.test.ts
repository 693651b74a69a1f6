/**
 * Next year's cluster head and deputy: rotation in list order (with recent heads skipped) or the
 * deputy promoted; validation errors name the bad value.
 */
import { nextHead, rotationSchema, type ClusterLeadership, type NextHeadOptions, type RotationMode } from '../../rules/rotation';

const MEMBERS = ['a', 'b', 'c', 'd', 'e'];
const HISTORY = [
  { year: 2022, head: 'd' },
  { year: 2023, head: 'e' },
  { year: 2024, head: 'c' },
];

describe('nextHead', () => {
  test.each<[string, ClusterLeadership, RotationMode, NextHeadOptions, { head: string; deputy?: string; skipped?: string[]; relaxed?: boolean }]>([
    ['rotate: the member after the head', { members: MEMBERS, head: 'c', deputy: 'd' }, 'rotate', {}, { head: 'd', deputy: 'e' }],
    ['rotate wraps at the end of the list', { members: MEMBERS, head: 'e' }, 'rotate', {}, { head: 'a', deputy: 'b' }],
    ['rotate: the deputy wraps too', { members: MEMBERS, head: 'd' }, 'rotate', {}, { head: 'e', deputy: 'a' }],
    ['rotate, 2 members: they swap', { members: ['a', 'b'], head: 'a', deputy: 'b' }, 'rotate', {}, { head: 'b', deputy: 'a' }],
    ['rotate, 1 member: stays, no deputy', { members: ['a'], head: 'a' }, 'rotate', {}, { head: 'a' }],
    ['deputy becomes head', { members: MEMBERS, head: 'c', deputy: 'd' }, 'deputy-becomes-head', {}, { head: 'd', deputy: 'e' }],
    [
      'deputy becomes head; the next in order is the outgoing head, so it is skipped',
      { members: MEMBERS, head: 'c', deputy: 'b' },
      'deputy-becomes-head',
      {},
      { head: 'b', deputy: 'd' },
    ],
    ['deputy becomes head, wrapping', { members: MEMBERS, head: 'a', deputy: 'e' }, 'deputy-becomes-head', {}, { head: 'e', deputy: 'b' }],
    ['deputy becomes head, 2 members', { members: ['a', 'b'], head: 'a', deputy: 'b' }, 'deputy-becomes-head', {}, { head: 'b', deputy: 'a' }],
    [
      'deputy becomes head ignores avoidRecent',
      { members: MEMBERS, head: 'c', deputy: 'e', history: HISTORY },
      'deputy-becomes-head',
      { avoidRecent: 3 },
      { head: 'e', deputy: 'a' },
    ],
    ['avoidRecent 2 (2023–2024): d was head in 2022, so d is fine', { members: MEMBERS, head: 'c', history: HISTORY }, 'rotate', { avoidRecent: 2 }, { head: 'd', deputy: 'e' }],
    [
      'avoidRecent 3 (2022–2024): d and e are skipped',
      { members: MEMBERS, head: 'c', history: HISTORY },
      'rotate',
      { avoidRecent: 3 },
      { head: 'a', deputy: 'b', skipped: ['d', 'e'] },
    ],
    ['avoidRecent 0 skips nobody', { members: MEMBERS, head: 'c', history: HISTORY }, 'rotate', { avoidRecent: 0 }, { head: 'd', deputy: 'e' }],
    [
      'an explicit forYear moves the window: nobody recent in 2028–2029',
      { members: MEMBERS, head: 'c', history: HISTORY },
      'rotate',
      { avoidRecent: 2, forYear: 2030 },
      { head: 'd', deputy: 'e' },
    ],
    [
      'forYear earlier than some history: later years are not "recent"',
      { members: MEMBERS, head: 'c', history: HISTORY },
      'rotate',
      { avoidRecent: 1, forYear: 2023 },
      { head: 'e', deputy: 'a', skipped: ['d'] },
    ],
    [
      'everyone recent: the least recent head is taken',
      { members: ['a', 'b', 'c'], head: 'c', history: [{ year: 2022, head: 'b' }, { year: 2023, head: 'a' }, { year: 2024, head: 'c' }] },
      'rotate',
      { avoidRecent: 5 },
      { head: 'b', deputy: 'a', skipped: ['a'], relaxed: true },
    ],
    [
      'recent heads are skipped in walk order',
      { members: ['a', 'b', 'c', 'd'], head: 'a', history: [{ year: 2023, head: 'b' }, { year: 2024, head: 'c' }] },
      'rotate',
      { avoidRecent: 2 },
      { head: 'd', deputy: 'b', skipped: ['b', 'c'] },
    ],
    [
      'history naming a unit that left the cluster is ignored',
      { members: MEMBERS, head: 'c', history: [{ year: 2023, head: 'old-unit' }, { year: 2024, head: 'c' }] },
      'rotate',
      { avoidRecent: 2 },
      { head: 'd', deputy: 'e' },
    ],
  ])('%s', (_label, cluster, mode, opts, expected) => {
    expect(nextHead(cluster, mode, opts)).toEqual({ skipped: [], relaxed: false, ...expected });
  });

  test('the result never has the deputy equal to the head, for every head and mode', () => {
    for (const head of MEMBERS) {
      for (const deputy of MEMBERS.filter((m) => m !== head)) {
        for (const mode of ['rotate', 'deputy-becomes-head'] as const) {
          const r = nextHead({ members: MEMBERS, head, deputy }, mode);
          expect(r.deputy).not.toBe(r.head);
          expect(r.head).not.toBe(head);
          expect(MEMBERS).toContain(r.deputy);
        }
      }
    }
  });

  test.each<[string, ClusterLeadership, RotationMode, NextHeadOptions, string]>([
    ['no member', { members: [], head: 'a' }, 'rotate', {}, 'A cluster needs at least one member'],
    ['head not a member', { members: MEMBERS, head: 'x' }, 'rotate', {}, 'Head "x" is not a member of the cluster'],
    ['deputy not a member', { members: MEMBERS, head: 'a', deputy: 'y' }, 'rotate', {}, 'Deputy "y" is not a member of the cluster'],
    ['deputy is the head', { members: MEMBERS, head: 'a', deputy: 'a' }, 'rotate', {}, 'Deputy "a" is also the head'],
    ['member listed twice', { members: ['a', 'b', 'a'], head: 'a' }, 'rotate', {}, 'Member "a" is listed twice'],
    ['empty member id', { members: ['a', ''], head: 'a' }, 'rotate', {}, 'Invalid member "" at position 1'],
    ['no deputy to promote', { members: MEMBERS, head: 'a' }, 'deputy-becomes-head', {}, 'Mode "deputy-becomes-head" needs the current deputy'],
    ['a year twice in history', { members: MEMBERS, head: 'a', history: [{ year: 2024, head: 'a' }, { year: 2024, head: 'b' }] }, 'rotate', {}, 'History lists year 2024 twice'],
    ['a fractional history year', { members: MEMBERS, head: 'a', history: [{ year: 2024.5, head: 'a' }] }, 'rotate', {}, 'Invalid history year 2024.5'],
    ['negative avoidRecent', { members: MEMBERS, head: 'a' }, 'rotate', { avoidRecent: -1 }, 'Invalid avoidRecent -1'],
    ['fractional forYear', { members: MEMBERS, head: 'a' }, 'rotate', { forYear: 2025.5 }, 'Invalid forYear 2025.5'],
    ['unknown mode', { members: MEMBERS, head: 'a' }, 'elect' as RotationMode, {}, 'Unknown rotation mode "elect"'],
  ])('refused: %s', (_label, cluster, mode, opts, message) => {
    expect(() => nextHead(cluster, mode, opts)).toThrow(message);
  });
});

describe('rotationSchema', () => {
  test.each<[unknown, boolean]>([
    [{ mode: 'rotate' }, true],
    [{ mode: 'rotate', avoidRecent: 3 }, true],
    [{ mode: 'deputy-becomes-head' }, true],
    [{ mode: 'random' }, false],
    [{ mode: 'rotate', avoidRecent: -1 }, false],
    [{ mode: 'rotate', avoidRecent: 1.5 }, false],
  ])('%j valid: %p', (input, ok) => {
    expect(rotationSchema.safeParse(input).success).toBe(ok);
  });
});
