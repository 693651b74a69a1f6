/**
 * The nominations step's form on a unit's link page: one row per person (title, name, position,
 * achievements), checked against the plan's individual awards (rules/nominations.ts) before the
 * update is sent; the list travels as JSON in `fields.nominations`.
 */
import { checkUnitNominations, type IndividualAward, type Nomination } from '../../rules/nominations';
import type { Lang } from '../pages';

const ROW_FIELDS = ['title', 'name', 'position', 'achievements'] as const;

/** Rows `n.<i>.<field>`; a row left wholly empty is no nomination. */
export function parseNominationForm(titles: readonly IndividualAward[], body: Record<string, unknown>): { ok: true; nominations: Nomination[] } | { ok: false; problems: string[] } {
  const indices = new Set<number>();
  for (const k of Object.keys(body)) {
    const m = /^n\.(\d{1,3})\.(title|name|position|achievements)$/.exec(k);
    if (m) indices.add(Number(m[1]));
  }
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const rows = [...indices]
    .sort((a, b) => a - b)
    .map((i) => Object.fromEntries(ROW_FIELDS.map((f) => [f, str(body[`n.${i}.${f}`])])))
    .filter((r) => ROW_FIELDS.some((f) => f !== 'title' && r[f] !== ''))
    .map((r) => ({ titleId: r.title, name: r.name, position: r.position, achievements: r.achievements }));
  const checked = checkUnitNominations(titles, rows);
  return checked.ok ? checked : { ok: false, problems: checked.problems.map((p) => `${p.path}: ${p.message}`) };
}

/** What the page shows: each title with its criteria, documents and quota, and the rows to fill in. */
export function nominationView(titles: readonly IndividualAward[], lang: Lang, submitted: string | undefined) {
  let current: Nomination[] = [];
  try {
    current = submitted ? (JSON.parse(submitted) as Nomination[]) : [];
  } catch {
    current = [];
  }
  const names = new Map(titles.map((t) => [t.id, t.name]));
  const room = titles.reduce((n, t) => n + (t.quota.perUnit ?? 3), 0);
  const count = Math.min(Math.max(current.length + 1, room), 30);
  return {
    titles: titles.map((t) => ({
      id: t.id,
      name: t.name,
      criteria: t.criteria,
      documents: t.documents,
      perUnit: t.quota.perUnit,
      perCluster: t.quota.perCluster,
      decider: t.decidedBy === 'parent' ? (lang === 'en' ? 'decided by the parent body' : 'do cấp trên quyết định') : undefined,
    })),
    current: current.map((n) => ({ ...n, titleName: names.get(n.titleId) ?? n.titleId })),
    rows: Array.from({ length: count }, (_, i) => {
      const n = current[i];
      return {
        i,
        name: n?.name ?? '',
        position: n?.position ?? '',
        achievements: n?.achievements ?? '',
        options: titles.map((t) => ({ id: t.id, name: t.name, selected: n ? n.titleId === t.id : false })),
      };
    }),
  };
}
