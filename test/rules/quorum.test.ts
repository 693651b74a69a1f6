/** The meeting's quorum and proxies (rules/ballot.ts): what an attendance record may say, and whether the quorum is met. */
import { attendanceProblems, castsFor, countQuorum, quorumNeeded, type Attendance, type QuorumRule } from '../../rules/ballot';

const M = ['a', 'b', 'c', 'd', 'e'];
const half: QuorumRule = { share: 0.5, proxies: true };
const noProxies: QuorumRule = { share: 0.5, proxies: false };
const att = (present: string[], proxies: Attendance['proxies'] = []): Attendance => ({ present, proxies });

describe('quorumNeeded', () => {
  test.each([
    [0.5, 5, 3],
    [0.5, 4, 2],
    [2 / 3, 9, 6],
    [2 / 3, 3, 2],
    [0.67, 3, 3],
    [1, 5, 5],
    [0.01, 3, 1],
    [0.5, 1, 1],
  ])('share %p of %p members needs %p', (share, members, needed) => expect(quorumNeeded(share, members)).toBe(needed));
});

describe('countQuorum', () => {
  test.each<[string, QuorumRule, Attendance | undefined, { present: number; represented: number; needed: number; met: boolean }]>([
    ['nothing recorded', half, undefined, { present: 0, represented: 0, needed: 3, met: false }],
    ['3 of 5 present', half, att(['a', 'b', 'c']), { present: 3, represented: 0, needed: 3, met: true }],
    ['2 of 5 present', half, att(['a', 'b']), { present: 2, represented: 0, needed: 3, met: false }],
    ['2 present and a proxy', half, att(['a', 'b'], [{ absent: 'c', holder: 'a' }]), { present: 2, represented: 1, needed: 3, met: true }],
    ['a proxy does not count where the plan allows none', noProxies, att(['a', 'b'], [{ absent: 'c', holder: 'a' }]), { present: 2, represented: 0, needed: 3, met: false }],
    ['everyone, at share 1', { share: 1, proxies: false }, att(M), { present: 5, represented: 0, needed: 5, met: true }],
    ['one short, at share 1', { share: 1, proxies: true }, att(['a', 'b', 'c', 'd'], [{ absent: 'e', holder: 'a' }]), { present: 4, represented: 1, needed: 5, met: true }],
    ['a non-member is not counted', half, att(['a', 'b', 'x']), { present: 2, represented: 0, needed: 3, met: false }],
  ])('%s', (_name, rule, a, expected) => expect(countQuorum(M, rule, a)).toEqual({ members: 5, ...expected }));
});

describe('attendanceProblems', () => {
  test.each<[string, QuorumRule, Attendance, string[]]>([
    ['a good record', half, att(['a', 'b'], [{ absent: 'c', holder: 'a', document: 'GUQ số 1' }]), []],
    ['nobody present is a record too', half, att([]), []],
    ['an unknown unit', half, att(['a', 'x']), ['present[1]: "x" is not a member of the cluster']],
    ['a unit twice', half, att(['a', 'a']), ['present[1]: "a" is listed twice']],
    ['proxies not allowed', noProxies, att(['a'], [{ absent: 'c', holder: 'a' }]), ['proxies: the plan does not allow proxies at this meeting']],
    ['a present unit by proxy', half, att(['a', 'b'], [{ absent: 'b', holder: 'a' }]), ['proxies[0].absent: "b" is present: it votes itself']],
    ['an absent holder', half, att(['a'], [{ absent: 'c', holder: 'd' }]), ['proxies[0].holder: "d" is not present: only a present unit\'s delegate can hold a proxy']],
    [
      'two proxies for one holder',
      half,
      att(['a'], [{ absent: 'c', holder: 'a' }, { absent: 'd', holder: 'a' }]),
      ['proxies[1].holder: "a" already holds a proxy (one each)'],
    ],
    [
      'two holders for one absent unit',
      half,
      att(['a', 'b'], [{ absent: 'c', holder: 'a' }, { absent: 'c', holder: 'b' }]),
      ['proxies[1].absent: "c" already has a proxy'],
    ],
    ['an unknown absent unit', half, att(['a'], [{ absent: 'z', holder: 'a' }]), ['proxies[0].absent: "z" is not a member of the cluster']],
  ])('%s', (_name, rule, a, expected) => expect(attendanceProblems(M, rule, a).map((p) => `${p.path}: ${p.message}`)).toEqual(expected));
});

describe('castsFor', () => {
  const a = att(['a', 'b'], [{ absent: 'c', holder: 'b' }]);
  test.each<[string, QuorumRule, Attendance | undefined, string, ReturnType<typeof castsFor>]>([
    ['a present unit votes itself', half, a, 'a', { by: 'itself' }],
    ['an absent unit by its proxy', half, a, 'c', { by: 'proxy', holder: 'b' }],
    ['an absent unit without a proxy: nobody', half, a, 'd', undefined],
    ['proxies not allowed: nobody', noProxies, a, 'c', undefined],
    ['no attendance yet: nobody', half, undefined, 'a', undefined],
  ])('%s', (_name, rule, att_, unit, expected) => expect(castsFor(rule, att_, unit)).toEqual(expected));
});
