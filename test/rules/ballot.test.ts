/**
 * Secret ballot tally: thresholds of valid ballots or of members (strict or not), quotas, invalid
 * ballots, abstentions, ties at the cut, second rounds, the chair's decision and the minutes numbers.
 */
import {
  assertBallotConfig,
  chairDecides,
  checkMarksForVoter,
  minutesSummary,
  secondRound,
  tally,
  votesNeeded,
  type Ballot,
  type BallotConfig,
  type Tie,
} from '../../rules/ballot';

const MEMBERS = ['a', 'b', 'c', 'd', 'e'];
const b = (...marks: string[]): Ballot => ({ marks });
const abst = (): Ballot => ({ marks: [] });
const times = (n: number, make: () => Ballot) => Array.from({ length: n }, make);

/** "Trên 50% số phiếu hợp lệ", one flag per cluster, chair decides ties. */
const OVER_HALF_VALID: BallotConfig = {
  titleId: 'co-thi-dua',
  quota: 1,
  threshold: { of: 'valid-ballots', share: 0.5, strict: true },
  eligible: MEMBERS,
  selfVoteAllowed: false,
  tie: 'chair',
};
/** "Từ 2/3 tổng số thành viên trở lên". */
const TWO_THIRDS_MEMBERS: BallotConfig = {
  ...OVER_HALF_VALID,
  threshold: { of: 'members', share: 2 / 3, strict: false },
  tie: 'second-round',
};
const QUOTA_2: BallotConfig = { ...OVER_HALF_VALID, titleId: 'bang-khen', quota: 2 };
const QUOTA_2_LOW: BallotConfig = { ...QUOTA_2, threshold: { of: 'valid-ballots', share: 0.4, strict: false } };

describe('votesNeeded', () => {
  test.each<[number, boolean, number, number]>([
    [0.5, true, 5, 3], // > 2.5
    [0.5, true, 4, 3], // > 2
    [0.5, false, 4, 2], // ≥ 2
    [0.5, true, 9, 5],
    [2 / 3, false, 9, 6], // ≥ 6, no float drift
    [2 / 3, false, 10, 7], // ≥ 6.67
    [2 / 3, true, 9, 7], // > 6
    [0.3, false, 10, 3], // 0.3 × 10 = 3.0000000000000004 in floats
    [1, false, 5, 5],
    [0.5, true, 0, 1], // at least one vote, always
    [0.2, false, 0, 1],
    [0.2, false, 1, 1],
  ])('share %p strict %p of %p → %p', (share, strict, base, expected) => {
    expect(votesNeeded({ of: 'valid-ballots', share, strict }, base)).toBe(expected);
  });
});

type Expected = {
  valid: number;
  abstentions?: number;
  invalid?: string[];
  votes: Record<string, number>;
  needed: number;
  passing: string[];
  elected: string[];
  tie?: Omit<Tie, 'rule'>;
};

describe('tally', () => {
  test.each<[string, BallotConfig, Ballot[], Expected]>([
    [
      'quota 1, over 50% of valid: a wins with 3 of 5',
      OVER_HALF_VALID,
      [b('a'), b('a'), b('a'), b('b'), abst()],
      { valid: 5, abstentions: 1, votes: { a: 3, b: 1, c: 0, d: 0, e: 0 }, needed: 3, passing: ['a'], elected: ['a'] },
    ],
    [
      'quota 1, over 50% of valid: 2 of 4 is not over half',
      OVER_HALF_VALID,
      [b('a'), b('a'), b('b'), b('c')],
      { valid: 4, votes: { a: 2, b: 1, c: 1, d: 0, e: 0 }, needed: 3, passing: [], elected: [] },
    ],
    [
      'same ballots, at least 50%: 2 of 4 passes',
      { ...OVER_HALF_VALID, threshold: { of: 'valid-ballots', share: 0.5, strict: false } },
      [b('a'), b('a'), b('b'), b('c')],
      { valid: 4, votes: { a: 2, b: 1, c: 1, d: 0, e: 0 }, needed: 2, passing: ['a'], elected: ['a'] },
    ],
    [
      'abstentions count as valid ballots and raise the bar',
      OVER_HALF_VALID,
      [b('a'), b('a'), abst(), abst(), abst()],
      { valid: 5, abstentions: 3, votes: { a: 2, b: 0, c: 0, d: 0, e: 0 }, needed: 3, passing: [], elected: [] },
    ],
    [
      'invalid ballots do not count in the base',
      OVER_HALF_VALID,
      [b('a'), b('a'), b('a', 'b'), b('z'), b('b')],
      { valid: 3, invalid: ['2:over-quota', '3:ineligible'], votes: { a: 2, b: 1, c: 0, d: 0, e: 0 }, needed: 2, passing: ['a'], elected: ['a'] },
    ],
    [
      'at least 2/3 of members: 4 of 5 members needed even with 4 ballots back',
      TWO_THIRDS_MEMBERS,
      [b('a'), b('a'), b('a'), b('b')],
      { valid: 4, votes: { a: 3, b: 1, c: 0, d: 0, e: 0 }, needed: 4, passing: [], elected: [] },
    ],
    [
      'at least 2/3 of members: 4 votes pass',
      TWO_THIRDS_MEMBERS,
      [b('a'), b('a'), b('a'), b('a'), abst()],
      { valid: 5, abstentions: 1, votes: { a: 4, b: 0, c: 0, d: 0, e: 0 }, needed: 4, passing: ['a'], elected: ['a'] },
    ],
    [
      'quota 2: both seats filled, sorted by votes',
      QUOTA_2,
      [b('b', 'a'), b('a', 'b'), b('a', 'c'), b('b', 'c'), b('a')],
      { valid: 5, votes: { a: 4, b: 3, c: 2, d: 0, e: 0 }, needed: 3, passing: ['a', 'b'], elected: ['a', 'b'] },
    ],
    [
      'quota 2, ranked by votes, not by eligible order',
      QUOTA_2,
      [b('e', 'd'), b('e', 'd'), b('e', 'a'), b('e', 'd'), b('a')],
      { valid: 5, votes: { a: 2, b: 0, c: 0, d: 3, e: 4 }, needed: 3, passing: ['e', 'd'], elected: ['e', 'd'] },
    ],
    [
      'a unit passing the threshold but beyond the quota is not elected',
      QUOTA_2_LOW,
      [b('a', 'b'), b('a', 'b'), b('a', 'c'), b('a', 'b'), b('b', 'c')],
      { valid: 5, votes: { a: 4, b: 4, c: 2, d: 0, e: 0 }, needed: 2, passing: ['a', 'b', 'c'], elected: ['a', 'b'] },
    ],
    [
      'duplicate marks make a ballot invalid; an empty one is an abstention',
      QUOTA_2,
      [b('a', 'a'), b('a', 'b'), abst(), b('a', 'c'), b('a')],
      { valid: 4, abstentions: 1, invalid: ['0:duplicate-mark'], votes: { a: 3, b: 1, c: 1, d: 0, e: 0 }, needed: 3, passing: ['a'], elected: ['a'] },
    ],
    [
      'all abstain: nobody passes',
      OVER_HALF_VALID,
      times(5, abst),
      { valid: 5, abstentions: 5, votes: { a: 0, b: 0, c: 0, d: 0, e: 0 }, needed: 3, passing: [], elected: [] },
    ],
    [
      'zero ballots returned, share of valid: a unit still needs one vote',
      OVER_HALF_VALID,
      [],
      { valid: 0, votes: { a: 0, b: 0, c: 0, d: 0, e: 0 }, needed: 1, passing: [], elected: [] },
    ],
    [
      'zero ballots returned, share of members',
      TWO_THIRDS_MEMBERS,
      [],
      { valid: 0, votes: { a: 0, b: 0, c: 0, d: 0, e: 0 }, needed: 4, passing: [], elected: [] },
    ],
    [
      'every ballot invalid',
      OVER_HALF_VALID,
      [b('a', 'b'), b('x'), b('c', 'c')],
      { valid: 0, invalid: ['0:over-quota', '1:ineligible', '2:duplicate-mark'], votes: { a: 0, b: 0, c: 0, d: 0, e: 0 }, needed: 1, passing: [], elected: [] },
    ],
    [
      'quota 1 tie at the cut: nobody is picked',
      { ...OVER_HALF_VALID, threshold: { of: 'valid-ballots', share: 0.5, strict: false } },
      [b('a'), b('b'), b('a'), b('b')],
      { valid: 4, votes: { a: 2, b: 2, c: 0, d: 0, e: 0 }, needed: 2, passing: ['a', 'b'], elected: [], tie: { among: ['a', 'b'], seats: 1, votes: 2 } },
    ],
    [
      'quota 2 tie at the second seat: the first is elected',
      QUOTA_2_LOW,
      [b('a', 'c'), b('a', 'b'), b('a', 'c'), b('a', 'b'), b('a')],
      { valid: 5, votes: { a: 5, b: 2, c: 2, d: 0, e: 0 }, needed: 2, passing: ['a', 'b', 'c'], elected: ['a'], tie: { among: ['b', 'c'], seats: 1, votes: 2 } },
    ],
    [
      'quota 2, three tied for both seats',
      QUOTA_2_LOW,
      [b('c', 'a'), b('b', 'c'), b('a', 'b'), b('d'), b('e')],
      { valid: 5, votes: { a: 2, b: 2, c: 2, d: 1, e: 1 }, needed: 2, passing: ['a', 'b', 'c'], elected: [], tie: { among: ['a', 'b', 'c'], seats: 2, votes: 2 } },
    ],
    [
      'quota 2, a tie that fits in the seats is no tie',
      QUOTA_2,
      [b('a', 'b'), b('a', 'b'), b('a', 'b'), b('c'), b('d')],
      { valid: 5, votes: { a: 3, b: 3, c: 1, d: 1, e: 0 }, needed: 3, passing: ['a', 'b'], elected: ['a', 'b'] },
    ],
    [
      'a tie below the threshold does not matter',
      OVER_HALF_VALID,
      [b('a'), b('a'), b('a'), b('b'), b('c')],
      { valid: 5, votes: { a: 3, b: 1, c: 1, d: 0, e: 0 }, needed: 3, passing: ['a'], elected: ['a'] },
    ],
    [
      'only eligible units can be marked (a member that is not eligible)',
      { ...OVER_HALF_VALID, eligible: ['a', 'b', 'c'] },
      [b('a'), b('d'), b('a'), b('a')],
      { valid: 3, invalid: ['1:ineligible'], votes: { a: 3, b: 0, c: 0 }, needed: 2, passing: ['a'], elected: ['a'] },
    ],
  ])('%s', (_label, config, ballots, e) => {
    const r = tally(config, MEMBERS, ballots);
    expect(r.issued).toBe(5);
    expect(r.returned).toBe(ballots.length);
    expect(r.valid).toBe(e.valid);
    expect(r.abstentions).toBe(e.abstentions ?? 0);
    expect(r.invalid.map((i) => `${i.index}:${i.reason}`)).toEqual(e.invalid ?? []);
    expect(r.valid + r.invalid.length).toBe(r.returned);
    expect(r.votes).toEqual(e.votes);
    expect(r.needed).toBe(e.needed);
    expect(r.passing).toEqual(e.passing);
    expect(r.elected).toEqual(e.elected);
    expect(r.tie).toEqual(e.tie ? { ...e.tie, rule: config.tie } : undefined);
    expect(r.elected.length + (r.tie?.seats ?? 0)).toBeLessThanOrEqual(config.quota);
  });

  test('invalid reasons name the ballot and the unit', () => {
    const r = tally(QUOTA_2, MEMBERS, [b('a', 'b', 'c'), b('a', 'a'), b('zz')]);
    expect(r.invalid).toEqual([
      { index: 0, reason: 'over-quota', message: 'ballot 1 marks 3 units, more than the 2 allowed' },
      { index: 1, reason: 'duplicate-mark', message: 'ballot 2 marks "a" more than once' },
      { index: 2, reason: 'ineligible', message: 'ballot 3 marks "zz", which is not eligible' },
    ]);
  });

  test('malformed ballots are invalid, not a crash', () => {
    const bad = [{ marks: 'a' }, { marks: [1] }, null, {}] as unknown as Ballot[];
    expect(tally(OVER_HALF_VALID, MEMBERS, bad).invalid.map((i) => i.reason)).toEqual(['malformed', 'malformed', 'malformed', 'malformed']);
  });

  test('the tally never reads the voter: castBy changes nothing', () => {
    const plain = [b('a'), b('a'), b('b'), b('a')];
    const withVoters = plain.map((x, i) => ({ ...x, castBy: MEMBERS[i] }));
    // 'a' marking 'a' would be a self-vote: refusing it is checkMarksForVoter's job, not the tally's.
    expect(tally(OVER_HALF_VALID, MEMBERS, withVoters)).toEqual(tally(OVER_HALF_VALID, MEMBERS, plain));
  });

  test('more ballots returned than issued is an error', () => {
    expect(() => tally(OVER_HALF_VALID, MEMBERS, times(6, abst))).toThrow('6 ballots returned but only 5 issued: the vote must be redone');
  });

  test.each<[string, string[]]>([
    ['no member', []],
    ['duplicate member', ['a', 'b', 'a']],
  ])('members: %s is refused', (_label, members) => {
    expect(() => tally(OVER_HALF_VALID, members, [])).toThrow(/member/i);
  });
});

describe('assertBallotConfig', () => {
  test.each<[string, BallotConfig, string]>([
    ['quota 0', { ...OVER_HALF_VALID, quota: 0 }, 'quota'],
    ['fractional quota', { ...OVER_HALF_VALID, quota: 1.5 }, 'quota'],
    ['share 0', { ...OVER_HALF_VALID, threshold: { of: 'members', share: 0, strict: false } }, 'threshold.share: must be greater than 0'],
    ['share over 1', { ...OVER_HALF_VALID, threshold: { of: 'members', share: 1.5, strict: false } }, 'threshold.share: must be at most 1'],
    ['strict 100%', { ...OVER_HALF_VALID, threshold: { of: 'members', share: 1, strict: true } }, 'a strict threshold of 100% can never be met'],
    ['no eligible unit', { ...OVER_HALF_VALID, eligible: [] }, 'at least one unit must be eligible'],
    ['duplicate eligible unit', { ...OVER_HALF_VALID, eligible: ['a', 'b', 'a'] }, 'eligible.2: unit "a" is listed twice'],
    ['unknown tie rule', { ...OVER_HALF_VALID, tie: 'coin' as BallotConfig['tie'] }, 'tie'],
    ['threshold base', { ...OVER_HALF_VALID, threshold: { of: 'present' as 'members', share: 0.5, strict: true } }, 'threshold.of'],
  ])('%s is refused', (_label, config, message) => {
    expect(() => assertBallotConfig(config)).toThrow(message);
    expect(() => tally(config, MEMBERS, [])).toThrow('Invalid ballot config');
  });
});

describe('checkMarksForVoter', () => {
  test.each<[string, BallotConfig, string, string[], string[]]>([
    ['a valid mark', OVER_HALF_VALID, 'b', ['a'], []],
    ['an abstention', OVER_HALF_VALID, 'b', [], []],
    ['a self-vote when not allowed', OVER_HALF_VALID, 'a', ['a'], ['self-vote']],
    ['a self-vote when allowed', { ...OVER_HALF_VALID, selfVoteAllowed: true }, 'a', ['a'], []],
    ['a self-vote among two marks', QUOTA_2, 'c', ['a', 'c'], ['self-vote']],
    ['self-vote and over quota', OVER_HALF_VALID, 'a', ['a', 'b'], ['self-vote', 'over-quota']],
    ['every problem', QUOTA_2, 'e', ['e', 'e', 'x', 'a'], ['self-vote', 'over-quota', 'duplicate-mark', 'ineligible']],
    ['a repeated mark is a duplicate, not over quota', OVER_HALF_VALID, 'a', ['b', 'b'], ['duplicate-mark']],
  ])('%s', (_label, config, voter, marks, expected) => {
    expect(checkMarksForVoter(config, voter, marks).map((p) => p.reason)).toEqual(expected);
  });

  test('the self-vote message names the voter', () => {
    expect(checkMarksForVoter(OVER_HALF_VALID, 'd', ['d'])[0].message).toBe('"d" may not vote for itself');
  });
});

describe('second round', () => {
  const tie: Tie = { among: ['b', 'c'], seats: 1, votes: 4, rule: 'second-round' };

  test.each<[string, Ballot[], { valid: number; invalid: string[]; votes: Record<string, number>; elected: string[]; tie?: Omit<Tie, 'rule'> }]>([
    ['b wins', [b('b'), b('b'), b('c'), abst(), b('b')], { valid: 5, invalid: [], votes: { b: 3, c: 1 }, elected: ['b'] }],
    [
      'no threshold in the second round: 1 vote to 0 wins',
      [b('c'), abst(), abst(), abst()],
      { valid: 4, invalid: [], votes: { b: 0, c: 1 }, elected: ['c'] },
    ],
    [
      'marks outside the tie or over the seats are invalid',
      [b('a'), b('b', 'c'), b('c'), b('c')],
      { valid: 2, invalid: ['0:ineligible', '1:over-quota'], votes: { b: 0, c: 2 }, elected: ['c'] },
    ],
    ['a new tie is reported', [b('b'), b('c'), abst()], { valid: 3, invalid: [], votes: { b: 1, c: 1 }, elected: [], tie: { among: ['b', 'c'], seats: 1, votes: 1 } }],
  ])('%s', (_label, ballots, e) => {
    const r = secondRound(TWO_THIRDS_MEMBERS, tie, ballots);
    expect(r.returned).toBe(ballots.length);
    expect(r.valid).toBe(e.valid);
    expect(r.invalid.map((i) => `${i.index}:${i.reason}`)).toEqual(e.invalid);
    expect(r.votes).toEqual(e.votes);
    expect(r.elected).toEqual(e.elected);
    expect(r.tie).toEqual(e.tie ? { ...e.tie, rule: 'second-round' } : undefined);
  });

  test('two seats among three tied', () => {
    const t: Tie = { among: ['a', 'b', 'c'], seats: 2, votes: 2, rule: 'second-round' };
    const r = secondRound(TWO_THIRDS_MEMBERS, t, [b('a', 'b'), b('a', 'c'), b('a', 'b'), b('c')]);
    expect(r.elected).toEqual(['a']);
    expect(r.tie).toEqual({ among: ['b', 'c'], seats: 1, votes: 2, rule: 'second-round' });
  });

  test('resolves a tie reported by tally', () => {
    const first = tally({ ...QUOTA_2_LOW, tie: 'second-round' }, MEMBERS, [b('a', 'c'), b('a', 'b'), b('a', 'c'), b('a', 'b'), b('a')]);
    expect(first.tie).toEqual({ among: ['b', 'c'], seats: 1, votes: 2, rule: 'second-round' });
    const second = secondRound({ ...QUOTA_2_LOW, tie: 'second-round' }, first.tie as Tie, [b('c'), b('c'), b('b')]);
    expect([...first.elected, ...second.elected]).toEqual(['a', 'c']);
  });

  test.each<[string, BallotConfig, Tie, string]>([
    ['the rule says the chair decides', OVER_HALF_VALID, { ...tie, rule: 'chair' }, 'The tie rule for "co-thi-dua" is "chair", not a second round'],
    ['a tied unit that is not eligible', { ...TWO_THIRDS_MEMBERS, eligible: ['a', 'b'] }, tie, 'Tied unit "c" is not eligible for "co-thi-dua"'],
    ['seats not fewer than the tied', TWO_THIRDS_MEMBERS, { ...tie, seats: 2 }, 'Invalid tie seats 2: expected 1..1'],
    ['a single tied unit', TWO_THIRDS_MEMBERS, { ...tie, among: ['b'] }, 'at least two units are tied'],
  ])('refused: %s', (_label, config, t, message) => {
    expect(() => secondRound(config, t, [])).toThrow(message);
  });
});

describe('chairDecides', () => {
  const tie: Tie = { among: ['a', 'b', 'c'], seats: 2, votes: 3, rule: 'chair' };

  test('returns the chosen units in the tie order', () => {
    expect(chairDecides(tie, ['c', 'a'])).toEqual(['a', 'c']);
  });

  test.each<[string, Tie, string[], string]>([
    ['too few chosen', tie, ['a'], 'The chair must choose exactly 2 of a, b, c; got ["a"]'],
    ['too many chosen', tie, ['a', 'b', 'c'], 'The chair must choose exactly 2'],
    ['a unit not tied', tie, ['a', 'd'], 'The chair chose "d", which is not among the tied units (a, b, c)'],
    ['the same unit twice', tie, ['a', 'a'], 'The chair chose "a" twice'],
    ['the rule is a second round', { ...tie, rule: 'second-round' }, ['a', 'b'], 'The tie rule is "second-round": the chair may not decide it'],
  ])('refused: %s', (_label, t, chosen, message) => {
    expect(() => chairDecides(t, chosen)).toThrow(message);
  });
});

describe('minutesSummary', () => {
  test('the numbers of the minutes', () => {
    const r = tally(QUOTA_2_LOW, MEMBERS, [b('a', 'c'), b('a', 'b'), b('a', 'c'), b('a', 'b'), b('a')]);
    expect(minutesSummary(r)).toEqual({
      titleId: 'bang-khen',
      issued: 5,
      returned: 5,
      valid: 5,
      invalid: 0,
      abstentions: 0,
      thresholdBase: 5,
      needed: 2,
      rows: [
        { unitId: 'a', votes: 5, percentOfValid: 100, percentOfMembers: 100, passing: true, elected: true },
        { unitId: 'b', votes: 2, percentOfValid: 40, percentOfMembers: 40, passing: true, elected: false },
        { unitId: 'c', votes: 2, percentOfValid: 40, percentOfMembers: 40, passing: true, elected: false },
        { unitId: 'd', votes: 0, percentOfValid: 0, percentOfMembers: 0, passing: false, elected: false },
        { unitId: 'e', votes: 0, percentOfValid: 0, percentOfMembers: 0, passing: false, elected: false },
      ],
      elected: ['a'],
      undecidedSeats: 1,
      tie: { among: ['b', 'c'], seats: 1, votes: 2, rule: 'chair' },
    });
  });

  test('percentages to 2 decimals, of valid ballots and of members; invalid and abstentions counted', () => {
    const members = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
    const config: BallotConfig = { ...OVER_HALF_VALID, eligible: ['u1', 'u2'] };
    const m = minutesSummary(tally(config, members, [b('u1'), b('u1'), b('u2'), abst(), b('u1', 'u2'), b('u1')]));
    expect(m).toMatchObject({ issued: 7, returned: 6, valid: 5, invalid: 1, abstentions: 1, thresholdBase: 5, needed: 3, elected: ['u1'], undecidedSeats: 0, tie: null });
    expect(m.rows).toEqual([
      { unitId: 'u1', votes: 3, percentOfValid: 60, percentOfMembers: 42.86, passing: true, elected: true },
      { unitId: 'u2', votes: 1, percentOfValid: 20, percentOfMembers: 14.29, passing: false, elected: false },
    ]);
  });

  test('rows keep the eligible order for equal votes, even with numeric ids', () => {
    const config: BallotConfig = { ...OVER_HALF_VALID, eligible: ['30', '4', '100'] };
    const m = minutesSummary(tally(config, ['30', '4', '100'], [b('100'), abst(), abst()]));
    expect(m.rows.map((row) => row.unitId)).toEqual(['100', '30', '4']);
    expect(minutesSummary(tally(config, ['30', '4', '100'], [])).rows.map((row) => row.percentOfValid)).toEqual([0, 0, 0]);
  });
});
