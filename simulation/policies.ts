/**
 * How simulated participants behave. Pure and seeded, so a rehearsal is repeatable: the same plan,
 * policies and seed give the same year.
 *
 * A unit's policy covers everything its own people do: its reviewed steps (the self-scoring among
 * them), its delegate's ballots at the cluster meeting (a `never` unit stays away: its delegate casts
 * no ballot) and, for the cluster's head, the award proposal. Staff always act: inspectors enter every
 * unit's final scores, the chair decides a tie, the council decides the nominations and reviews the
 * proposal (it returns it once when the head's policy is `returned-once`).
 */
import { mulberry32, shuffled } from '../rules/cross-check';
import { DEFAULT_SCORE_STEP, fromHundredths, toHundredths, validateEntry, type Scores, type SheetInput } from '../rules/scoring';

export type Policy = 'on-time' | 'late' | 'returned-once' | 'never';
export const POLICIES: readonly Policy[] = ['on-time', 'late', 'returned-once', 'never'];

/**
 * Assigns a policy to each unit: explicit choices win; the rest are drawn with the given weights
 * (default: mostly on time, some late, a few returned once or silent).
 */
export function assignPolicies(
  unitIds: string[],
  seed: number,
  explicit: Record<string, Policy> = {},
  weights: Record<Policy, number> = { 'on-time': 0.6, late: 0.2, 'returned-once': 0.1, never: 0.1 },
): Record<string, Policy> {
  const next = mulberry32(seed);
  const total = POLICIES.reduce((s, p) => s + weights[p], 0);
  const out: Record<string, Policy> = {};
  for (const id of unitIds) {
    if (explicit[id]) {
      out[id] = explicit[id];
      continue;
    }
    let r = next() * total;
    out[id] = POLICIES.find((p) => (r -= weights[p]) < 0) ?? 'on-time';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Seeded draws for the year-end. Each draw has its own stream, keyed by what it is about (the unit,
// the round, the award…), so one participant's choice never shifts another's.

/** A PRNG for one decision: the run's seed and the decision's key (FNV-1a of both, into mulberry32). */
export function rngFor(seed: number, ...key: (string | number)[]): () => number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}\u0000${key.join('\u0000')}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return mulberry32(h);
}

export interface ScoringRules {
  sheet: SheetInput;
  step?: number;
}

export interface ScoreDraft {
  criteria: Scores;
  bonuses: Scores;
  deductions: Scores;
}

type Item = { id: string; max: number };
const criteriaOf = (sheet: SheetInput): Item[] => sheet.groups.flatMap((g) => g.criteria);

/** A value on the plan's score step, `share` (0..1) of the way to the item's maximum (never over it). */
function onStep(item: Item, share: number, stepH: number): number {
  const steps = Math.floor(toHundredths(item.max) / stepH);
  return fromHundredths(Math.round(steps * Math.min(Math.max(share, 0), 1)) * stepH);
}

const stepHOf = (rules: ScoringRules) => toHundredths(rules.step ?? DEFAULT_SCORE_STEP);

function assertClean(rules: ScoringRules, entry: ScoreDraft): ScoreDraft {
  const problems = validateEntry(rules.sheet, entry, { step: rules.step });
  if (problems.length > 0) throw new Error(`simulated scores do not fit the sheet: ${problems.map((p) => p.message).join('; ')}`);
  return entry;
}

/**
 * A unit's self-score: every criterion between 55% and 100% of its maximum (units are generous with
 * themselves), a bonus item claimed now and then (30%), a deduction admitted rarely (15%); evidence
 * for about half the criteria. Always on the plan's step and within every maximum.
 */
export function drawSelfScores(rules: ScoringRules, next: () => number): { entry: ScoreDraft; evidence: Record<string, string> } {
  const stepH = stepHOf(rules);
  const entry: ScoreDraft = { criteria: {}, bonuses: {}, deductions: {} };
  const evidence: Record<string, string> = {};
  for (const c of criteriaOf(rules.sheet)) {
    entry.criteria[c.id] = onStep(c, 0.55 + 0.45 * next(), stepH);
    if (next() < 0.5) evidence[c.id] = `(mô phỏng) Minh chứng cho tiêu chí ${c.id}`;
  }
  for (const b of rules.sheet.bonuses ?? []) {
    const share = next();
    if (next() < 0.3) {
      const v = onStep(b, 0.2 + 0.8 * share, stepH);
      if (v > 0) entry.bonuses[b.id] = v;
    }
  }
  for (const d of rules.sheet.deductions ?? []) {
    const share = next();
    if (next() < 0.15) {
      const v = onStep(d, 0.1 + 0.5 * share, stepH);
      if (v > 0) entry.deductions[d.id] = v;
    }
  }
  return { entry: assertClean(rules, entry), evidence };
}

/**
 * What an inspector enters: each criterion confirmed, or (one in four) lowered by one to three steps
 * with a reason; bonuses and deductions confirmed as the unit gave them. A unit that sent no
 * self-score is scored from scratch (40% to 90% of each maximum), with a reason for every criterion.
 */
export function drawInspection(rules: ScoringRules, self: ScoreDraft | undefined, next: () => number): { entry: ScoreDraft; reasons: Record<string, string> } {
  const stepH = stepHOf(rules);
  const entry: ScoreDraft = { criteria: {}, bonuses: { ...(self?.bonuses ?? {}) }, deductions: { ...(self?.deductions ?? {}) } };
  const reasons: Record<string, string> = {};
  for (const c of criteriaOf(rules.sheet)) {
    const own = self?.criteria[c.id];
    if (own === undefined) {
      entry.criteria[c.id] = onStep(c, 0.4 + 0.5 * next(), stepH);
      reasons[c.id] = '(mô phỏng) Đơn vị không gửi bản tự chấm: đoàn kiểm tra chấm theo hồ sơ';
      continue;
    }
    const change = next() < 0.25;
    const by = 1 + Math.floor(next() * 3);
    const to = fromHundredths(Math.max(0, toHundredths(own) - by * stepH));
    if (change && to !== own) {
      entry.criteria[c.id] = to;
      reasons[c.id] = `(mô phỏng) Minh chứng chưa đủ cho tiêu chí ${c.id}: ${own} → ${to}`;
    } else {
      entry.criteria[c.id] = own;
    }
  }
  return { entry: assertClean(rules, entry), reasons };
}

/**
 * A delegate's marks: as many of the round's candidates as it has seats (never itself unless the
 * award allows it), drawn by seed. In a second round a tied unit that may not vote for itself
 * abstains one time in two: otherwise two tied units voting for each other would tie forever.
 */
export function drawMarks(
  round: { round: number; candidates: string[]; seats: number },
  voterUnitId: string,
  selfVoteAllowed: boolean,
  next: () => number,
): string[] {
  const pool = round.candidates.filter((c) => selfVoteAllowed || c !== voterUnitId);
  if (round.round > 1 && !selfVoteAllowed && round.candidates.includes(voterUnitId) && next() < 0.5) return [];
  return shuffled(pool, next).slice(0, Math.min(round.seats, pool.length));
}

/** The chair's choice of `seats` among the tied units, drawn by seed. */
export function drawChairChoice(tie: { among: string[]; seats: number }, next: () => number): string[] {
  const chosen = new Set(shuffled(tie.among, next).slice(0, tie.seats));
  return tie.among.filter((u) => chosen.has(u));
}


/** What a cross-checking unit writes about the files it checked: one of a few findings, drawn by seed. */
export function drawFindings(checkedName: string, next: () => number): string {
  const findings = [
    'hồ sơ đầy đủ, minh chứng khớp với điểm tự chấm',
    'hồ sơ đầy đủ; một số minh chứng cần bổ sung bản gốc',
    'thiếu biên bản của một cuộc giám sát; các mục khác đầy đủ',
  ];
  return `(mô phỏng) Kiểm tra chéo hồ sơ của ${checkedName}: ${findings[Math.floor(next() * findings.length)]}.`;
}

/**
 * A unit's nominations for the plan's individual awards (đề nghị khen thưởng cá nhân): for each title,
 * between one person and the title's per-unit quota (one when it has none), never the same person
 * twice for a title — so a simulated list always fits the quotas the unit workflow checks.
 */
export function drawNominations(
  titles: readonly { id: string; name: string; quota: { perUnit?: number } }[],
  unitName: string,
  next: () => number,
): { titleId: string; name: string; position: string; achievements: string }[] {
  const family = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Võ', 'Đặng', 'Bùi'];
  const given = ['Văn An', 'Thị Bình', 'Văn Cường', 'Thị Dung', 'Minh Đức', 'Thị Hạnh', 'Quốc Hùng', 'Thị Lan'];
  const positions = ['Ủy viên Ban Thường trực', 'Trưởng ban công tác Mặt trận', 'Chi hội trưởng', 'Cán bộ Mặt trận'];
  return titles.flatMap((t) => {
    const count = 1 + Math.floor(next() * (t.quota.perUnit ?? 1));
    const start = Math.floor(next() * given.length);
    return Array.from({ length: count }, (_, i) => ({
      titleId: t.id,
      name: `(mô phỏng) ${family[Math.floor(next() * family.length)]} ${given[(start + i) % given.length]}`,
      position: `${positions[Math.floor(next() * positions.length)]}, ${unitName}`,
      achievements: `(mô phỏng) Thành tích đề nghị ${t.name}.`,
    }));
  });
}

/**
 * The council's decisions on a cluster's undecided nominations (xét đề nghị khen thưởng cá nhân), in
 * a seeded order: a title the parent body decides is forwarded (refused when the plan names no
 * parent); any other is approved while the title's cluster quota lasts (counting those already
 * granted), four times in five, and otherwise refused with a reason — so every decision passes the
 * checks the cluster workflow makes (rules/nominations.ts).
 */
export function drawCouncilDecisions(
  titles: readonly { id: string; quota: { perCluster?: number }; decidedBy: 'council' | 'parent' }[],
  items: readonly { id: string; titleId: string; decision?: 'approve' | 'forward' | 'refuse' }[],
  hasParent: boolean,
  next: () => number,
): { id: string; decision: 'approve' | 'forward' | 'refuse'; reason?: string }[] {
  const granted = new Map<string, number>();
  for (const x of items) if (x.decision === 'approve' || x.decision === 'forward') granted.set(x.titleId, (granted.get(x.titleId) ?? 0) + 1);
  const undecided = items.filter((x) => !x.decision);
  // From the ids in a fixed order: the units' lists reach the cluster in whatever order the worker
  // runs them, and the same seed must decide the same way whatever that order was.
  const order = shuffled(undecided.map((x) => x.id).sort(), next);
  const out = new Map<string, { id: string; decision: 'approve' | 'forward' | 'refuse'; reason?: string }>();
  for (const id of order) {
    const item = undecided.find((x) => x.id === id)!;
    const t = titles.find((x) => x.id === item.titleId);
    const room = (granted.get(item.titleId) ?? 0) < (t?.quota.perCluster ?? Number.POSITIVE_INFINITY);
    const chosen = next() < 0.8;
    if (t?.decidedBy === 'parent' && !hasParent) out.set(id, { id, decision: 'refuse', reason: '(mô phỏng) Kế hoạch không có cấp trên để trình' });
    else if (!room) out.set(id, { id, decision: 'refuse', reason: '(mô phỏng) Vượt chỉ tiêu của cụm' });
    else if (!chosen) out.set(id, { id, decision: 'refuse', reason: '(mô phỏng) Thành tích chưa đủ tiêu chuẩn' });
    else {
      out.set(id, { id, decision: t?.decidedBy === 'parent' ? 'forward' : 'approve' });
      granted.set(item.titleId, (granted.get(item.titleId) ?? 0) + 1);
    }
  }
  // In the list's order, as the council's page sends them.
  return undecided.map((x) => out.get(x.id)!);
}
