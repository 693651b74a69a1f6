/**
 * Classification (xếp loại): a unit's total falls into a band such as Hoàn thành xuất sắc nhiệm vụ /
 * Hoàn thành tốt / Hoàn thành / Không hoàn thành (older: xuất sắc / vững mạnh / khá / trung bình).
 * The bands and their cut-offs are configuration of a year's plan.
 *
 * Pure: no I/O, no Node built-ins (importable from workflow code).
 *
 * Rule decisions (each one is covered by test/rules/classification.test.ts):
 * - Cut-offs are inclusive (total ≥ minScore), compared in integer hundredths so 89.999999 (float
 *   noise) never misses 90 and a minScore has at most 2 decimals.
 * - Bands are tried highest minScore first whatever order the plan lists them in.
 * - Validation: at least one band, unique ids, unique minScores (two bands at the same cut-off would
 *   make one unreachable), and a bottom band at minScore 0 that catches every other total — the plan
 *   must say what the lowest class is called, so a missing bottom band is an error, not a default.
 * - `requires.maxDeduction`: a unit whose deduction is above N cannot be in that band; it drops to the
 *   next lower band whose own requirements it meets. The bottom band may not have requirements
 *   (it must catch everyone). A requirement that is reached but whose fact was not passed is an error:
 *   guessing "no deduction" would put a unit in a band it may not deserve.
 * - A total must be a finite number ≥ 0 (totals are clamped at 0 by the scoring sheet).
 */
import { z } from 'zod';
import { isHundredths, toHundredths } from './scoring';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (max 63)');
const points = z.number().min(0, 'must be 0 or more').refine(isHundredths, 'must have at most 2 decimals');

export const bandSchema = z.object({
  id: slug,
  name: z.string().trim().min(1),
  minScore: points,
  requires: z
    .object({
      /** Highest total deduction a unit in this band may have. */
      maxDeduction: points.optional(),
    })
    .strict()
    .optional(),
});

export const bandsSchema = z
  .array(bandSchema)
  .min(1, 'at least one band is required')
  .superRefine((bands, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const ids = new Map<string, number>();
    const mins = new Map<number, string>();
    bands.forEach((b, i) => {
      if (ids.has(b.id)) issue([i, 'id'], `duplicate band id "${b.id}"`);
      ids.set(b.id, i);
      const other = mins.get(toHundredths(b.minScore));
      if (other !== undefined) issue([i, 'minScore'], `band "${b.id}" has the same minScore ${b.minScore} as band "${other}"`);
      mins.set(toHundredths(b.minScore), b.id);
    });
    if (bands.length === 0) return;
    const bottom = bands.reduce((lo, b) => (b.minScore < lo.minScore ? b : lo));
    if (bottom.minScore !== 0) {
      issue([], `a bottom band with minScore 0 is required (the lowest is "${bottom.id}" at ${bottom.minScore})`);
    } else if (bottom.requires && Object.values(bottom.requires).some((v) => v !== undefined)) {
      issue([bands.indexOf(bottom), 'requires'], `the bottom band "${bottom.id}" may not have requirements: it must catch every unit`);
    }
  });

export type Band = z.infer<typeof bandSchema>;
export type Bands = Band[];

/** Facts about the unit that band requirements look at. */
export type ClassifyFacts = { deduction?: number };

export type Classification = {
  /** The band the unit is in. */
  band: Band;
  /** The band the total alone would give (differs from `band` when a requirement dropped the unit). */
  scoreBand: Band;
  /** Each band skipped because of a requirement, highest first, with the reason. */
  dropped: { bandId: string; reason: string }[];
};

/** Validates bands; throws naming every bad entry. Returns them highest cut-off first. */
export function assertBands(bands: Bands): Band[] {
  const r = bandsSchema.safeParse(bands);
  if (!r.success) {
    throw new Error(
      `Invalid bands: ${r.error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return [...r.data].sort((a, b) => b.minScore - a.minScore);
}

function unmet(band: Band, facts: ClassifyFacts): string | null {
  const max = band.requires?.maxDeduction;
  if (max === undefined) return null;
  const d = facts.deduction;
  if (d === undefined) {
    throw new Error(`Band "${band.id}" requires a deduction of at most ${max}: pass the unit's deduction`);
  }
  if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) {
    throw new Error(`Invalid deduction ${JSON.stringify(d)}: expected a number ≥ 0`);
  }
  return toHundredths(d) > toHundredths(max) ? `deduction ${d} is above the band's maximum ${max}` : null;
}

/** The band for a unit's total (and facts such as its deduction). */
export function classify(total: number, bands: Bands, facts: ClassifyFacts = {}): Classification {
  if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) {
    throw new Error(`Invalid total ${JSON.stringify(total)}: expected a number ≥ 0`);
  }
  const sorted = assertBands(bands);
  const t = toHundredths(total);
  const start = sorted.findIndex((b) => t >= toHundredths(b.minScore));
  // The bottom band is at 0 and t ≥ 0, so start is always found.
  const scoreBand = sorted[start];
  const dropped: Classification['dropped'] = [];
  for (let i = start; i < sorted.length; i++) {
    const reason = unmet(sorted[i], facts);
    if (reason === null) return { band: sorted[i], scoreBand, dropped };
    dropped.push({ bandId: sorted[i].id, reason });
  }
  // Unreachable: the bottom band has no requirements (validated).
  throw new Error('No band accepts the unit: the bottom band must have no requirements');
}
