/**
 * Individual awards (khen thưởng cá nhân: Kỷ niệm chương, Bằng khen, Giấy khen for a person): the
 * titles a plan offers, the persons a unit nominates for them, and the council's decision on each.
 * Pure: the link form, the workflows' validators and the table tests all use these rules.
 */
import { z } from 'zod';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (max 63)');

/**
 * An award title for individuals (danh hiệu, hình thức khen thưởng cá nhân). `quota` caps how many
 * persons a unit may nominate (`perUnit`) and how many the council may approve in one cluster
 * (`perCluster`); either may be left out (no cap). `decidedBy: parent` means this level only proposes:
 * the council's approval forwards the nomination to the body above (e.g. the district sends its
 * Kỷ niệm chương files to the province, which proposes them to the central committee).
 */
export const individualAwardSchema = z.object({
  id: slug,
  name: z.string().trim().min(1),
  /** Who may be proposed (tiêu chuẩn): shown on the nomination form and to the council. */
  criteria: z.string().trim().min(1).max(5000),
  /** The files asked for with each nomination (hồ sơ): listed on the form and in the council's list. */
  documents: z.array(z.string().trim().min(1).max(500)).default([]),
  quota: z
    .object({ perUnit: z.number().int().min(1).optional(), perCluster: z.number().int().min(1).optional() })
    .default({}),
  decidedBy: z.enum(['council', 'parent']).default('council'),
});
export type IndividualAward = z.infer<typeof individualAwardSchema>;

/** One person a unit proposes for one title (the form's row). */
export const nominationSchema = z.object({
  titleId: slug,
  name: z.string().trim().min(1, 'is required').max(200, 'is longer than 200 characters'),
  position: z.string().trim().min(1, 'is required').max(300, 'is longer than 300 characters'),
  achievements: z.string().trim().min(1, 'is required').max(5000, 'is longer than 5000 characters'),
});
export type Nomination = z.infer<typeof nominationSchema>;

export interface NominationProblem {
  /** e.g. `nominations[2].titleId`, `nominations` */
  path: string;
  message: string;
}

/** A unit's list: each row well formed, each title offered, at most `perUnit` persons per title, no person twice for one title. */
export function checkUnitNominations(titles: readonly Pick<IndividualAward, 'id' | 'name' | 'quota'>[], rows: unknown): { ok: true; nominations: Nomination[] } | { ok: false; problems: NominationProblem[] } {
  const parsed = z.array(nominationSchema).max(200, 'has more than 200 rows').safeParse(rows);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => ({ path: i.path.reduce<string>((a, p) => (typeof p === 'number' ? `${a}[${p}]` : `${a}.${String(p)}`), 'nominations'), message: i.message })),
    };
  }
  const problems: NominationProblem[] = [];
  const byId = new Map(titles.map((t) => [t.id, t]));
  const seen = new Map<string, number>();
  parsed.data.forEach((n, i) => {
    const title = byId.get(n.titleId);
    if (!title) return problems.push({ path: `nominations[${i}].titleId`, message: `"${n.titleId}" is not an individual award of this year's plan` });
    const key = `${n.titleId}\u0000${n.name.toLocaleLowerCase('vi')}`;
    if (seen.has(key)) problems.push({ path: `nominations[${i}].name`, message: `${n.name} is already nominated for ${title.name} (row ${seen.get(key)! + 1})` });
    else seen.set(key, i);
  });
  for (const t of titles) {
    const count = parsed.data.filter((n) => n.titleId === t.id).length;
    if (t.quota.perUnit !== undefined && count > t.quota.perUnit)
      problems.push({ path: 'nominations', message: `${count} persons for ${t.name}: a unit may nominate at most ${t.quota.perUnit}` });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, nominations: parsed.data };
}

export type CouncilDecision = 'approve' | 'forward' | 'refuse';

export interface DecidedNomination {
  id: string;
  titleId: string;
  decision?: CouncilDecision;
}

/**
 * The council decides a batch: each nomination once, a refusal with its reason, `forward` only when
 * the plan names a parent body, `approve` alone not for a title the parent decides, and the approved
 * (or forwarded) ones of a title within its `perCluster` quota, counting those decided before.
 */
export function checkCouncilDecisions(
  titles: readonly Pick<IndividualAward, 'id' | 'name' | 'quota' | 'decidedBy'>[],
  list: readonly DecidedNomination[],
  decisions: readonly { id: string; decision: CouncilDecision; reason?: string }[],
  opts: { hasParent: boolean },
): NominationProblem[] {
  const problems: NominationProblem[] = [];
  const byId = new Map(list.map((n) => [n.id, n]));
  const titleOf = new Map(titles.map((t) => [t.id, t]));
  const once = new Set<string>();
  if (decisions.length === 0) problems.push({ path: 'decisions', message: 'decide at least one nomination' });
  decisions.forEach((d, i) => {
    const at = `decisions[${i}]`;
    const n = byId.get(d.id);
    if (!n) return problems.push({ path: `${at}.id`, message: `no nomination "${d.id}" in this list` });
    if (n.decision) return problems.push({ path: `${at}.id`, message: `nomination "${d.id}" was already decided (${n.decision})` });
    if (once.has(d.id)) return problems.push({ path: `${at}.id`, message: `nomination "${d.id}" is decided twice` });
    once.add(d.id);
    const title = titleOf.get(n.titleId);
    if (d.decision === 'refuse' && !d.reason?.trim()) problems.push({ path: `${at}.reason`, message: 'a refusal needs a reason' });
    if (d.decision === 'forward' && !opts.hasParent) problems.push({ path: `${at}.decision`, message: "the plan names no parent body (body.parent) to forward to" });
    if (d.decision === 'approve' && title?.decidedBy === 'parent')
      problems.push({ path: `${at}.decision`, message: `${title.name} is decided by the parent body: forward it or refuse it` });
  });
  for (const t of titles) {
    if (t.quota.perCluster === undefined) continue;
    const granted = (x: CouncilDecision | undefined) => x === 'approve' || x === 'forward';
    const before = list.filter((n) => n.titleId === t.id && granted(n.decision)).length;
    const now = decisions.filter((d) => once.has(d.id) && byId.get(d.id)?.titleId === t.id && granted(d.decision)).length;
    if (before + now > t.quota.perCluster)
      problems.push({ path: 'decisions', message: `${before + now} persons granted for ${t.name}: the cluster's quota is ${t.quota.perCluster}${before > 0 ? ` (${before} already)` : ''}` });
  }
  return problems;
}

/** How the nominations of one cluster stand against each title's cluster quota (for the council's page). */
export function quotaUse(titles: readonly Pick<IndividualAward, 'id' | 'quota'>[], list: readonly DecidedNomination[]): { titleId: string; nominated: number; granted: number; quota?: number; over: number }[] {
  return titles.map((t) => {
    const mine = list.filter((n) => n.titleId === t.id);
    const nominated = mine.length;
    const granted = mine.filter((n) => n.decision === 'approve' || n.decision === 'forward').length;
    const quota = t.quota.perCluster;
    return { titleId: t.id, nominated, granted, quota, over: quota === undefined ? 0 : Math.max(0, nominated - quota) };
  });
}
