/**
 * Secret ballot (phiếu suy tôn) for one award title: each member unit gets one ballot and marks up to
 * `quota` eligible units; the tally finds who meets the threshold and who is elected, and reports a
 * tie at the last seat(s) instead of picking. Rules differ by level and year: all are configuration.
 *
 * Pure: no I/O, no randomness, no Node built-ins (importable from workflow code).
 *
 * Rule decisions (each one is covered by test/rules/ballot.test.ts):
 * - The ballot is secret: the tally never reads who cast a ballot. Self-vote prevention happens when a
 *   ballot is cast (checkMarksForVoter); a `castBy` left on a ballot is ignored by the tally.
 * - A ballot is invalid if it marks more (distinct) units than the quota, the same unit twice, or a
 *   unit that is not eligible (or is malformed). Only the first reason is recorded, checked in that
 *   order; checkMarksForVoter lists them all.
 *   An empty ballot is a valid abstention: it counts in "valid ballots" (and so in the threshold base).
 * - Threshold: votes ≥ share × base (strict: votes > share × base), base = valid ballots or members.
 *   It is turned into an integer `needed` (float-safe, so share 2/3 of 9 needs exactly 6), and a unit
 *   always needs at least one vote (with no valid ballot nobody passes).
 * - More ballots returned than issued is an error, not an invalid ballot: the vote must be redone.
 * - Elected: passing units by votes (ties listed in eligible order), at most `quota`. When the last
 *   seat(s) fall inside a group with equal votes, that whole group is reported as the tie and none of
 *   it is elected; a group that fits entirely in the remaining seats is elected.
 * - Second round: only the tied units are eligible, a ballot marks at most the tied seats, no
 *   threshold applies (they all met it), and a new tie is reported again. A second round on a tie
 *   whose rule is 'chair' is refused, and the chair may decide only a 'chair' tie.
 */
import { z } from 'zod';
import { fromHundredths } from './scoring';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (max 63)');

export const thresholdSchema = z
  .object({
    /** What the share is of: the valid ballots, or all member units (issued ballots). */
    of: z.enum(['valid-ballots', 'members']),
    /** e.g. 0.5 for "over half", 2/3 for "at least two thirds". */
    share: z.number().gt(0, 'must be greater than 0').max(1, 'must be at most 1'),
    /** true: votes > share × base ("trên 50%"); false: votes ≥ share × base ("từ 2/3 trở lên"). */
    strict: z.boolean(),
  })
  .refine((t) => !(t.strict && t.share === 1), { message: 'a strict threshold of 100% can never be met', path: ['strict'] });

export const ballotConfigSchema = z
  .object({
    titleId: slug,
    /** Most units a ballot may mark, and most units elected (e.g. 1 flag per cluster). */
    quota: z.number().int().min(1),
    threshold: thresholdSchema,
    eligible: z.array(slug).min(1, 'at least one unit must be eligible'),
    selfVoteAllowed: z.boolean(),
    tie: z.enum(['second-round', 'chair']),
  })
  .superRefine((c, ctx) => {
    c.eligible.forEach((u, i) => {
      if (c.eligible.indexOf(u) !== i) ctx.addIssue({ code: 'custom', path: ['eligible', i], message: `unit "${u}" is listed twice` });
    });
  });

export type BallotConfig = z.infer<typeof ballotConfigSchema>;
export type TieRule = BallotConfig['tie'];

/**
 * One returned ballot. It carries no voter: `castBy` may exist only while the caller checks a
 * self-vote at casting time, and the tally ignores it.
 */
export type Ballot = { readonly marks: readonly string[]; readonly castBy?: string; readonly voter?: never };

export type InvalidReason = 'malformed' | 'over-quota' | 'duplicate-mark' | 'ineligible';
export type BallotProblem = { reason: InvalidReason | 'self-vote'; message: string; unitId?: string };
export type InvalidBallot = { index: number; reason: InvalidReason; message: string };

export type Tie = {
  /** The units with equal votes competing for the last seat(s), in eligible order. */
  among: string[];
  /** How many of them can still be elected. */
  seats: number;
  /** Their (equal) number of votes. */
  votes: number;
  rule: TieRule;
};

/** What one round of counting gives. */
export type RoundResult = {
  titleId: string;
  returned: number;
  valid: number;
  /** Valid ballots with no mark. */
  abstentions: number;
  invalid: InvalidBallot[];
  /** Votes per eligible unit (0 included), in eligible order. */
  votes: Record<string, number>;
  /** Elected units, most votes first. */
  elected: string[];
  tie?: Tie;
};

export type TallyResult = RoundResult & {
  /** One ballot per member unit. */
  issued: number;
  quota: number;
  /** The eligible units in the plan's order (a record's keys lose that order for numeric ids). */
  eligible: string[];
  threshold: BallotConfig['threshold'];
  /** Number the threshold share is taken of (valid ballots or members). */
  thresholdBase: number;
  /** Smallest number of votes that meets the threshold. */
  needed: number;
  /** Units meeting the threshold, most votes first (ties in eligible order). */
  passing: string[];
};

// ---------------------------------------------------------------------------------------------

function formatIssues(what: string, error: z.ZodError): string {
  return `Invalid ${what}: ${error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`).join('; ')}`;
}

/** Validates a ballot config; throws naming every bad field. */
export function assertBallotConfig(config: BallotConfig): BallotConfig {
  const r = ballotConfigSchema.safeParse(config);
  if (!r.success) throw new Error(formatIssues('ballot config', r.error));
  return r.data;
}

// Float share × base (e.g. 0.6666666666666666 × 9) may land a hair off the integer it means.
const EPSILON = 1e-9;

/** Smallest integer number of votes meeting the threshold over `base`; always at least 1. */
export function votesNeeded(threshold: BallotConfig['threshold'], base: number): number {
  const x = threshold.share * base;
  const n = threshold.strict ? Math.floor(x + EPSILON) + 1 : Math.ceil(x - EPSILON);
  return Math.max(1, n);
}

/** Every problem with a set of marks (empty = valid), in the order over-quota, duplicates, ineligible. */
function marksProblems(marks: unknown, eligible: ReadonlySet<string>, limit: number): BallotProblem[] {
  if (!Array.isArray(marks) || marks.some((m) => typeof m !== 'string')) {
    return [{ reason: 'malformed', message: 'a ballot must be a list of unit ids' }];
  }
  const problems: BallotProblem[] = [];
  const seen = new Set<string>();
  const dupes: BallotProblem[] = [];
  for (const m of marks as string[]) {
    if (seen.has(m)) dupes.push({ reason: 'duplicate-mark', unitId: m, message: `marks "${m}" more than once` });
    seen.add(m);
  }
  // Counted in distinct units: ["c", "c"] with quota 1 is a duplicate mark, not an over-quota one.
  if (seen.size > limit) problems.push({ reason: 'over-quota', message: `marks ${seen.size} units, more than the ${limit} allowed` });
  problems.push(...dupes);
  for (const m of seen) {
    if (!eligible.has(m)) problems.push({ reason: 'ineligible', unitId: m, message: `marks "${m}", which is not eligible` });
  }
  return problems;
}

/**
 * Problems with the marks a voter is about to cast (empty = may be cast). Used at casting time, the
 * only moment the voter is known: adds the self-vote check to the ballot's own validity.
 */
export function checkMarksForVoter(config: BallotConfig, voterUnitId: string, marks: readonly string[]): BallotProblem[] {
  const c = assertBallotConfig(config);
  if (typeof voterUnitId !== 'string' || voterUnitId === '') throw new Error(`Invalid voter ${JSON.stringify(voterUnitId)}`);
  const problems: BallotProblem[] = [];
  if (!c.selfVoteAllowed && Array.isArray(marks) && marks.includes(voterUnitId)) {
    problems.push({ reason: 'self-vote', unitId: voterUnitId, message: `"${voterUnitId}" may not vote for itself` });
  }
  return [...problems, ...marksProblems(marks, new Set(c.eligible), c.quota)];
}

/** Counts the ballots of one round among `eligible`, each marking at most `limit` units. */
function count(eligible: readonly string[], limit: number, ballots: readonly Ballot[]) {
  if (!Array.isArray(ballots)) throw new Error('Ballots must be a list');
  const allowed = new Set(eligible);
  const votes: Record<string, number> = Object.fromEntries(eligible.map((u) => [u, 0]));
  const invalid: InvalidBallot[] = [];
  let valid = 0;
  let abstentions = 0;
  ballots.forEach((b, index) => {
    // Only the marks are read: the tally never needs the voter.
    const marks: unknown = b && typeof b === 'object' ? b.marks : undefined;
    const problems = marksProblems(marks, allowed, limit);
    if (problems.length > 0) {
      invalid.push({ index, reason: problems[0].reason as InvalidReason, message: `ballot ${index + 1} ${problems[0].message}` });
      return;
    }
    valid++;
    const ms = marks as string[];
    if (ms.length === 0) abstentions++;
    for (const m of ms) votes[m]++;
  });
  return { valid, abstentions, invalid, votes };
}

/** Fills `seats` from `candidates` (eligible order), most votes first; reports a tie at the cut. */
function elect(candidates: readonly string[], votes: Record<string, number>, seats: number, rule: TieRule) {
  const ranked = [...candidates].sort((a, b) => votes[b] - votes[a]); // stable: eligible order on ties
  if (ranked.length <= seats) return { elected: ranked, tie: undefined };
  const cut = votes[ranked[seats - 1]];
  const elected = ranked.filter((u) => votes[u] > cut);
  const atCut = ranked.filter((u) => votes[u] === cut);
  const left = seats - elected.length;
  if (atCut.length <= left) return { elected: [...elected, ...atCut], tie: undefined };
  const among = candidates.filter((u) => votes[u] === cut);
  return { elected, tie: { among, seats: left, votes: cut, rule } satisfies Tie };
}

/** Tallies the returned ballots of one title among `members` (one ballot issued per member). */
export function tally(config: BallotConfig, members: readonly string[], ballots: readonly Ballot[]): TallyResult {
  const c = assertBallotConfig(config);
  if (!Array.isArray(members) || members.length === 0) throw new Error('At least one member unit must vote');
  members.forEach((m, i) => {
    if (members.indexOf(m) !== i) throw new Error(`Member "${m}" is listed twice: one ballot per member unit`);
  });
  if (!Array.isArray(ballots)) throw new Error('Ballots must be a list');
  if (ballots.length > members.length) {
    throw new Error(`${ballots.length} ballots returned but only ${members.length} issued: the vote must be redone`);
  }
  const counted = count(c.eligible, c.quota, ballots);
  const thresholdBase = c.threshold.of === 'members' ? members.length : counted.valid;
  const needed = votesNeeded(c.threshold, thresholdBase);
  const passingSet = c.eligible.filter((u) => counted.votes[u] >= needed);
  const passing = [...passingSet].sort((a, b) => counted.votes[b] - counted.votes[a]);
  const { elected, tie } = elect(passingSet, counted.votes, c.quota, c.tie);
  return {
    titleId: c.titleId,
    issued: members.length,
    returned: ballots.length,
    ...counted,
    quota: c.quota,
    eligible: [...c.eligible],
    threshold: c.threshold,
    thresholdBase,
    needed,
    passing,
    elected,
    ...(tie ? { tie } : {}),
  };
}

function assertTie(tie: Tie): void {
  if (!tie || !Array.isArray(tie.among) || tie.among.length < 2) throw new Error(`Invalid tie ${JSON.stringify(tie)}: at least two units are tied`);
  if (!Number.isInteger(tie.seats) || tie.seats < 1 || tie.seats >= tie.among.length) {
    throw new Error(`Invalid tie seats ${JSON.stringify(tie.seats)}: expected 1..${tie.among.length - 1}`);
  }
  tie.among.forEach((u, i) => {
    if (tie.among.indexOf(u) !== i) throw new Error(`Invalid tie: unit "${u}" is listed twice`);
  });
}

/** A second round among the tied units only; elects `tie.seats` of them or reports a new tie. */
export function secondRound(config: BallotConfig, tie: Tie, ballots: readonly Ballot[]): RoundResult {
  const c = assertBallotConfig(config);
  assertTie(tie);
  if (tie.rule !== 'second-round') throw new Error(`The tie rule for "${c.titleId}" is "${tie.rule}", not a second round`);
  const outsider = tie.among.find((u) => !c.eligible.includes(u));
  if (outsider !== undefined) throw new Error(`Tied unit "${outsider}" is not eligible for "${c.titleId}"`);
  const counted = count(tie.among, tie.seats, ballots);
  const { elected, tie: again } = elect(tie.among, counted.votes, tie.seats, tie.rule);
  return { titleId: c.titleId, returned: ballots.length, ...counted, elected, ...(again ? { tie: again } : {}) };
}

/** The chair's choice for a 'chair' tie, validated; returned in the tie's order. */
export function chairDecides(tie: Tie, chosen: readonly string[]): string[] {
  assertTie(tie);
  if (tie.rule !== 'chair') throw new Error(`The tie rule is "${tie.rule}": the chair may not decide it`);
  if (!Array.isArray(chosen) || chosen.length !== tie.seats) {
    throw new Error(`The chair must choose exactly ${tie.seats} of ${tie.among.join(', ')}; got ${JSON.stringify(chosen)}`);
  }
  chosen.forEach((u, i) => {
    if (!tie.among.includes(u)) throw new Error(`The chair chose "${u}", which is not among the tied units (${tie.among.join(', ')})`);
    if (chosen.indexOf(u) !== i) throw new Error(`The chair chose "${u}" twice`);
  });
  return tie.among.filter((u) => chosen.includes(u));
}

export type MinutesRow = {
  unitId: string;
  votes: number;
  /** Votes as a percentage of the valid ballots, 2 decimals (0 when none is valid). */
  percentOfValid: number;
  /** Votes as a percentage of the member units (ballots issued), 2 decimals. */
  percentOfMembers: number;
  passing: boolean;
  elected: boolean;
};

export type MinutesSummary = {
  titleId: string;
  issued: number;
  returned: number;
  valid: number;
  invalid: number;
  abstentions: number;
  thresholdBase: number;
  needed: number;
  /** Every eligible unit, most votes first (ties in eligible order). */
  rows: MinutesRow[];
  elected: string[];
  /** Seats left to the tie rule (0 when the result is complete). */
  undecidedSeats: number;
  tie: Tie | null;
};

const percent = (votes: number, of: number) => (of === 0 ? 0 : fromHundredths(Math.round((votes * 10000) / of)));

/** The numbers a ballot minutes (biên bản kiểm phiếu) lists. */
export function minutesSummary(result: TallyResult): MinutesSummary {
  const rows = [...result.eligible]
    .sort((a, b) => result.votes[b] - result.votes[a])
    .map((unitId) => ({
      unitId,
      votes: result.votes[unitId],
      percentOfValid: percent(result.votes[unitId], result.valid),
      percentOfMembers: percent(result.votes[unitId], result.issued),
      passing: result.passing.includes(unitId),
      elected: result.elected.includes(unitId),
    }));
  return {
    titleId: result.titleId,
    issued: result.issued,
    returned: result.returned,
    valid: result.valid,
    invalid: result.invalid.length,
    abstentions: result.abstentions,
    thresholdBase: result.thresholdBase,
    needed: result.needed,
    rows,
    elected: result.elected,
    undecidedSeats: result.tie?.seats ?? 0,
    tie: result.tie ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------
// The meeting's quorum and proxies (plan `stages.meeting.quorum`)
//
// - Present: units whose delegate attends, as the chair records. Represented: an absent unit whose
//   vote a delegate of another, present unit carries with a written proxy (only where the plan allows).
// - The quorum is met when present + represented ≥ needed = ⌈share × members⌉ (float-safe, at least 1).
// - A unit holds at most one proxy, and an absent unit has at most one holder; a present unit needs none.
// - With a quorum rule, only present or represented units vote; a represented unit's ballot is cast by
//   the holder's delegate. When the quorum is not met, a round's result is void: nobody is elected by it.

export interface QuorumRule {
  /** Share of the member units that must be present or represented, in (0, 1]. */
  share: number;
  /** Whether a present unit's delegate may vote for an absent unit with a written proxy. */
  proxies: boolean;
}

export interface Proxy {
  /** The absent unit. */
  absent: string;
  /** The present unit whose delegate holds the written proxy. */
  holder: string;
  /** The proxy document, as the chair records it (e.g. "Giấy ủy quyền số 12/GUQ"). */
  document?: string;
}

export interface Attendance {
  present: string[];
  proxies: Proxy[];
}

export interface QuorumCount {
  members: number;
  needed: number;
  present: number;
  represented: number;
  met: boolean;
}

/** The units needed for a quorum of `share` among `members` units (2/3 of 9 is exactly 6). */
export function quorumNeeded(share: number, members: number): number {
  return Math.max(1, Math.ceil(share * members - 1e-9));
}

/** Everything wrong with an attendance record, each with the field it is about. */
export function attendanceProblems(members: readonly string[], rule: QuorumRule, a: Attendance): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const isMember = new Set(members);
  const present = new Set<string>();
  a.present.forEach((u, i) => {
    if (!isMember.has(u)) problems.push({ path: `present[${i}]`, message: `"${u}" is not a member of the cluster` });
    else if (present.has(u)) problems.push({ path: `present[${i}]`, message: `"${u}" is listed twice` });
    present.add(u);
  });
  if (a.proxies.length > 0 && !rule.proxies) problems.push({ path: 'proxies', message: "the plan does not allow proxies at this meeting" });
  else {
    const holders = new Set<string>();
    const absents = new Set<string>();
    a.proxies.forEach((p, i) => {
      if (!isMember.has(p.absent)) problems.push({ path: `proxies[${i}].absent`, message: `"${p.absent}" is not a member of the cluster` });
      else if (present.has(p.absent)) problems.push({ path: `proxies[${i}].absent`, message: `"${p.absent}" is present: it votes itself` });
      else if (absents.has(p.absent)) problems.push({ path: `proxies[${i}].absent`, message: `"${p.absent}" already has a proxy` });
      if (!present.has(p.holder)) problems.push({ path: `proxies[${i}].holder`, message: `"${p.holder}" is not present: only a present unit's delegate can hold a proxy` });
      else if (holders.has(p.holder)) problems.push({ path: `proxies[${i}].holder`, message: `"${p.holder}" already holds a proxy (one each)` });
      absents.add(p.absent);
      holders.add(p.holder);
    });
  }
  return problems;
}

/** Where the quorum stands; no attendance recorded counts as nobody present. */
export function countQuorum(members: readonly string[], rule: QuorumRule, a: Attendance | undefined): QuorumCount {
  const present = a ? a.present.filter((u) => members.includes(u)).length : 0;
  const represented = a && rule.proxies ? a.proxies.filter((p) => members.includes(p.absent)).length : 0;
  const needed = quorumNeeded(rule.share, members.length);
  return { members: members.length, needed, present, represented, met: present + represented >= needed };
}

/** Who casts `unitId`'s ballot under this attendance: itself, the holder of its proxy, or nobody. */
export function castsFor(rule: QuorumRule, a: Attendance | undefined, unitId: string): { by: 'itself' } | { by: 'proxy'; holder: string } | undefined {
  if (!a) return undefined;
  if (a.present.includes(unitId)) return { by: 'itself' };
  const p = rule.proxies ? a.proxies.find((x) => x.absent === unitId) : undefined;
  return p ? { by: 'proxy', holder: p.holder } : undefined;
}
