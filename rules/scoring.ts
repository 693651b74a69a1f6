/**
 * The scoring sheet (bảng chấm điểm): groups of criteria with a maximum each, bonus items (điểm
 * thưởng/cộng) and deductions (điểm trừ). Units self-score; inspectors may change a score only with a
 * reason; every change is listed for the audit.
 *
 * Pure: no I/O, no clock, no Node built-ins (importable from workflow code). The sheet, the entry step
 * and any bonus cap are parameters of a year's plan.
 *
 * Rule decisions (each one is covered by test/rules/scoring.test.ts):
 * - Ids of criteria, bonuses and deductions are unique across the WHOLE sheet (an audit line names an
 *   id alone); group ids are unique among groups. Ids may contain dots ("1.2") as printed sheets do.
 * - Every max is > 0 with at most 2 decimals: all sums are done in integer hundredths, so
 *   0.1 + 0.2 is 0.3 and a total never shows floating noise.
 * - Scores are entered to a step (default 0.25); the step itself must be a multiple of 0.01.
 * - A criterion with no score is a problem ("missing"); a bonus or deduction with no entry counts 0.
 * - A total is computed only from a clean entry: totalScore throws ScoreError listing the problems.
 * - total = base + bonus − deduction, clamped at 0. When the sheet has `bonusCap`, the bonus counted
 *   is min(sum of bonuses, bonusCap) — central guidance caps bonus points overall.
 * - reconcile: an inspected value equal to the self score (to the hundredth) is no change and needs no
 *   reason; a change without a non-blank reason is a problem and is NOT applied (the self score stays
 *   in `final`), so `final` never contains an unexplained change. A criterion the inspector did not
 *   enter keeps the self score.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Hundredths: every sum in integer hundredths of a point.

// Tolerance for "is this number on the hundredth grid": far below 0.01, far above float noise.
const GRID_TOLERANCE = 1e-6;

/** True when `x` has at most 2 decimals (up to float noise, e.g. 0.1 + 0.2). */
export function isHundredths(x: number): boolean {
  return Number.isFinite(x) && Math.abs(x * 100 - Math.round(x * 100)) < GRID_TOLERANCE;
}

/** Points → integer hundredths (rounded: callers check isHundredths first where it matters). */
export function toHundredths(x: number): number {
  return Math.round(x * 100);
}

/** Integer hundredths → points, without floating noise (1234 → 12.34). */
export function fromHundredths(h: number): number {
  // Division of an integer by 100 gives the nearest double to the decimal, i.e. what a literal gives.
  return h / 100;
}

// ---------------------------------------------------------------------------------------------
// Schema

const itemId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be letters, digits, dots, dashes or underscores (max 63), e.g. "1.2"');
const points = z.number().positive('must be greater than 0').refine(isHundredths, 'must have at most 2 decimals');

export const sheetItemSchema = z.object({
  id: itemId,
  name: z.string().trim().min(1),
  max: points,
});

export const sheetGroupSchema = z.object({
  id: itemId,
  name: z.string().trim().min(1),
  criteria: z.array(sheetItemSchema).min(1, 'a group needs at least one criterion'),
});

export const sheetSchema = z
  .object({
    groups: z.array(sheetGroupSchema).min(1, 'a sheet needs at least one group'),
    bonuses: z.array(sheetItemSchema).default([]),
    deductions: z.array(sheetItemSchema).default([]),
    /** Most bonus points counted in a total, whatever the bonus items add up to. */
    bonusCap: points.optional(),
  })
  .superRefine((sheet, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const groupIds = new Set<string>();
    sheet.groups.forEach((g, i) => {
      if (groupIds.has(g.id)) issue(['groups', i, 'id'], `duplicate group id "${g.id}"`);
      groupIds.add(g.id);
    });
    const itemIds = new Set<string>();
    const check = (id: string, path: (string | number)[]) => {
      if (itemIds.has(id)) issue([...path, 'id'], `duplicate item id "${id}"`);
      itemIds.add(id);
    };
    sheet.groups.forEach((g, i) => g.criteria.forEach((c, j) => check(c.id, ['groups', i, 'criteria', j])));
    sheet.bonuses.forEach((b, i) => check(b.id, ['bonuses', i]));
    sheet.deductions.forEach((d, i) => check(d.id, ['deductions', i]));
  });

export type Sheet = z.infer<typeof sheetSchema>;
export type SheetInput = z.input<typeof sheetSchema>;
export type SheetItem = z.infer<typeof sheetItemSchema>;

/** Points per item id. */
export type Scores = Record<string, number>;

/** One unit's entry: criteria scores, and the bonus and deduction items that apply. */
export type ScoreEntry = { criteria: Scores; bonuses?: Scores; deductions?: Scores };

export type ScorePart = 'criteria' | 'bonuses' | 'deductions';

export type ScoreProblem = {
  part: ScorePart;
  id: string;
  code: 'unknown' | 'missing' | 'not-a-number' | 'negative' | 'over-max' | 'off-step';
  message: string;
};

export class ScoreError extends Error {
  constructor(readonly problems: ScoreProblem[]) {
    super(`Invalid scores: ${problems.map((p) => p.message).join('; ')}`);
    this.name = 'ScoreError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/** Validates a sheet; throws an Error naming every bad path. Returns the sheet with defaults filled in. */
export function assertSheet(sheet: SheetInput): Sheet {
  const r = sheetSchema.safeParse(sheet);
  if (!r.success) {
    throw new Error(`Invalid scoring sheet: ${r.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

export const DEFAULT_SCORE_STEP = 0.25;

function stepHundredths(step: number): number {
  if (typeof step !== 'number' || !(step > 0) || !isHundredths(step)) {
    throw new Error(`Invalid score step ${JSON.stringify(step)}: expected a positive multiple of 0.01`);
  }
  return toHundredths(step);
}

const PART_LABEL: Record<ScorePart, string> = { criteria: 'criterion', bonuses: 'bonus', deductions: 'deduction' };

function itemsOf(sheet: Sheet, part: ScorePart): SheetItem[] {
  if (part === 'criteria') return sheet.groups.flatMap((g) => g.criteria);
  return sheet[part];
}

export type ValidateOptions = { step?: number; part?: ScorePart };

/**
 * Problems in the scores of one part of the sheet (default: the criteria), in sheet order, then
 * unknown ids in entry order. Empty list = valid.
 */
export function validateScores(sheet: SheetInput, scores: Scores, opts: ValidateOptions = {}): ScoreProblem[] {
  const s = assertSheet(sheet);
  const part = opts.part ?? 'criteria';
  const step = stepHundredths(opts.step ?? DEFAULT_SCORE_STEP);
  if (!scores || typeof scores !== 'object') throw new Error(`Scores for ${part} must be an object of id → points`);
  const label = PART_LABEL[part];
  const problems: ScoreProblem[] = [];
  const add = (id: string, code: ScoreProblem['code'], message: string) => problems.push({ part, id, code, message });
  const items = itemsOf(s, part);
  const known = new Set(items.map((i) => i.id));

  for (const item of items) {
    if (!Object.prototype.hasOwnProperty.call(scores, item.id)) {
      if (part === 'criteria') add(item.id, 'missing', `${label} "${item.id}" has no score`);
      continue;
    }
    const v: unknown = scores[item.id];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      add(item.id, 'not-a-number', `${label} "${item.id}": ${JSON.stringify(v) ?? String(v)} is not a number`);
    } else if (v < 0) {
      add(item.id, 'negative', `${label} "${item.id}": ${v} is negative`);
    } else if (!isHundredths(v) || toHundredths(v) > toHundredths(item.max)) {
      // A value off the hundredth grid is always off-step too; report what the user can fix.
      if (v > item.max) add(item.id, 'over-max', `${label} "${item.id}": ${v} is over its maximum ${item.max}`);
      else add(item.id, 'off-step', `${label} "${item.id}": ${v} is not a multiple of ${fromHundredths(step)}`);
    } else if (toHundredths(v) % step !== 0) {
      add(item.id, 'off-step', `${label} "${item.id}": ${v} is not a multiple of ${fromHundredths(step)}`);
    }
  }
  for (const id of Object.keys(scores)) {
    if (!known.has(id)) add(id, 'unknown', `unknown ${label} id "${id}"`);
  }
  return problems;
}

/** Problems in a whole entry: criteria, then bonuses, then deductions. */
export function validateEntry(sheet: SheetInput, entry: ScoreEntry, opts: { step?: number } = {}): ScoreProblem[] {
  if (!entry || typeof entry !== 'object') throw new Error('A score entry must be an object { criteria, bonuses?, deductions? }');
  return [
    ...validateScores(sheet, entry.criteria, { ...opts, part: 'criteria' }),
    ...validateScores(sheet, entry.bonuses ?? {}, { ...opts, part: 'bonuses' }),
    ...validateScores(sheet, entry.deductions ?? {}, { ...opts, part: 'deductions' }),
  ];
}

export type ScoreTotal = {
  /** Sum of the criteria scores. */
  base: number;
  /** Sum of the criteria maxima (the sheet's "out of 90/95/100"). */
  maxBase: number;
  /** Bonus counted (after the sheet's bonus cap, if any). */
  bonus: number;
  deduction: number;
  /** base + bonus − deduction, never below 0. */
  total: number;
  /** Sum of the criteria scores per group id. */
  byGroup: Record<string, number>;
};

const sumH = (scores: Scores | undefined, items: SheetItem[]) =>
  items.reduce((acc, i) => acc + (scores && Object.prototype.hasOwnProperty.call(scores, i.id) ? toHundredths(scores[i.id]) : 0), 0);

/** The unit's total; throws ScoreError when the entry has any problem. */
export function totalScore(sheet: SheetInput, entry: ScoreEntry, opts: { step?: number } = {}): ScoreTotal {
  const s = assertSheet(sheet);
  const problems = validateEntry(s, entry, opts);
  if (problems.length > 0) throw new ScoreError(problems);

  const byGroupH = s.groups.map((g) => [g.id, sumH(entry.criteria, g.criteria)] as const);
  const baseH = byGroupH.reduce((acc, [, h]) => acc + h, 0);
  const maxBaseH = s.groups.reduce((acc, g) => acc + g.criteria.reduce((a, c) => a + toHundredths(c.max), 0), 0);
  const claimedBonusH = sumH(entry.bonuses, s.bonuses);
  const bonusH = s.bonusCap === undefined ? claimedBonusH : Math.min(claimedBonusH, toHundredths(s.bonusCap));
  const deductionH = sumH(entry.deductions, s.deductions);
  return {
    base: fromHundredths(baseH),
    maxBase: fromHundredths(maxBaseH),
    bonus: fromHundredths(bonusH),
    deduction: fromHundredths(deductionH),
    total: fromHundredths(Math.max(0, baseH + bonusH - deductionH)),
    byGroup: Object.fromEntries(byGroupH.map(([id, h]) => [id, fromHundredths(h)])),
  };
}

// ---------------------------------------------------------------------------------------------
// Reconciliation of self scores with the inspection

export type ScoreChange = { criterionId: string; from: number | null; to: number; reason: string };

export type ReconcileProblem = {
  criterionId: string;
  code: 'reason-required' | 'not-a-number';
  message: string;
};

export type Reconciled = {
  /** True when every inspected change carries a reason. */
  ok: boolean;
  /** Per-criterion final scores: the self score, replaced by each explained inspected change. */
  final: Scores;
  /** The applied changes, for the audit, in the order the inspector entered them. */
  changes: ScoreChange[];
  problems: ReconcileProblem[];
};

/**
 * Merges the unit's self scores with the inspector's. Works on any part of an entry (criteria,
 * bonuses or deductions): call it once per part. Validate `final` against the sheet afterwards.
 */
export function reconcile(self: Scores, inspected: Scores, reasons: Record<string, string> = {}): Reconciled {
  if (!self || typeof self !== 'object') throw new Error('Self scores must be an object of id → points');
  if (!inspected || typeof inspected !== 'object') throw new Error('Inspected scores must be an object of id → points');
  const final: Scores = { ...self };
  const changes: ScoreChange[] = [];
  const problems: ReconcileProblem[] = [];
  for (const [id, to] of Object.entries(inspected)) {
    if (typeof to !== 'number' || !Number.isFinite(to)) {
      problems.push({ criterionId: id, code: 'not-a-number', message: `inspected score for "${id}": ${JSON.stringify(to) ?? String(to)} is not a number` });
      continue;
    }
    const from = Object.prototype.hasOwnProperty.call(self, id) ? self[id] : null;
    if (from !== null && typeof from === 'number' && toHundredths(from) === toHundredths(to)) continue;
    const reason = typeof reasons[id] === 'string' ? reasons[id].trim() : '';
    if (reason === '') {
      problems.push({
        criterionId: id,
        code: 'reason-required',
        message: `inspected score for "${id}" changes ${from === null ? 'nothing entered' : from} → ${to} without a reason`,
      });
      continue;
    }
    final[id] = to;
    changes.push({ criterionId: id, from, to, reason });
  }
  return { ok: problems.length === 0, final, changes, problems };
}
