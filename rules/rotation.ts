/**
 * Next year's cluster head and deputy (cụm trưởng / cụm phó), chosen in rotation. The cluster's
 * member list, in the order the plan lists it, is the rotation order.
 *
 * Pure: no I/O, no clock, no Node built-ins (importable from workflow code).
 *
 * Rule decisions (each one is covered by test/rules/rotation.test.ts):
 * - 'rotate': the new head is the first member after the current head in list order (wrapping).
 *   With `avoidRecent: N`, members who were head in any of the N years before `forYear` are skipped
 *   (`forYear` defaults to the latest history year + 1; the current head is never picked anyway).
 *   If everyone is recent, the rule is relaxed rather than failing: the member whose last headship is
 *   oldest is picked (never-head first, then walk order) and `relaxed` is true.
 * - 'deputy-becomes-head': the deputy becomes head; a missing deputy is an error. avoidRecent does
 *   not apply: the plan chose this mode precisely to promote the deputy.
 * - The new deputy, in both modes, is the next member after the new head in list order, skipping the
 *   outgoing head unless nobody else is left (a 2-member cluster swaps). A 1-member cluster keeps its
 *   head and has no deputy.
 * - History may name units that have since left the cluster: they are ignored. Two history entries
 *   for the same year are an error.
 */
import { z } from 'zod';

export const rotationModeSchema = z.enum(['rotate', 'deputy-becomes-head']);

/** The plan's rotation rule for a level. */
export const rotationSchema = z.object({
  mode: rotationModeSchema,
  /** Skip members who were head in this many previous years (rotate mode). */
  avoidRecent: z.number().int().min(0).optional(),
});

export type RotationMode = z.infer<typeof rotationModeSchema>;
export type RotationRule = z.infer<typeof rotationSchema>;

export type ClusterLeadership = {
  /** Member unit ids in the order the plan lists them. */
  members: readonly string[];
  head: string;
  deputy?: string;
  /** Past heads, e.g. [{ year: 2023, head: 'dinh-quan' }]. */
  history?: readonly { year: number; head: string }[];
};

export type NextHeadOptions = {
  avoidRecent?: number;
  /** The year the new head serves; default latest history year + 1. */
  forYear?: number;
};

export type NextLeadership = {
  head: string;
  deputy?: string;
  /** Members passed over in rotate mode because they were head recently. */
  skipped: string[];
  /** True when every candidate was recent and the least recent one was taken. */
  relaxed: boolean;
};

function assertCluster(c: ClusterLeadership): void {
  if (!c || !Array.isArray(c.members) || c.members.length === 0) throw new Error('A cluster needs at least one member');
  c.members.forEach((m, i) => {
    if (typeof m !== 'string' || m === '') throw new Error(`Invalid member ${JSON.stringify(m)} at position ${i}`);
    if (c.members.indexOf(m) !== i) throw new Error(`Member "${m}" is listed twice`);
  });
  if (!c.members.includes(c.head)) throw new Error(`Head ${JSON.stringify(c.head)} is not a member of the cluster`);
  if (c.deputy !== undefined) {
    if (!c.members.includes(c.deputy)) throw new Error(`Deputy ${JSON.stringify(c.deputy)} is not a member of the cluster`);
    if (c.deputy === c.head) throw new Error(`Deputy "${c.deputy}" is also the head`);
  }
  const years = new Set<number>();
  for (const h of c.history ?? []) {
    if (!h || !Number.isInteger(h.year)) throw new Error(`Invalid history year ${JSON.stringify(h?.year)}: expected an integer`);
    if (typeof h.head !== 'string' || h.head === '') throw new Error(`Invalid history head ${JSON.stringify(h.head)} for ${h.year}`);
    if (years.has(h.year)) throw new Error(`History lists year ${h.year} twice`);
    years.add(h.year);
  }
}

/** Members after `from` in list order, wrapping, `from` itself excluded. */
function after(members: readonly string[], from: string): string[] {
  const i = members.indexOf(from);
  return [...members.slice(i + 1), ...members.slice(0, i)];
}

function deputyAfter(members: readonly string[], newHead: string, outgoing: string): string | undefined {
  const walk = after(members, newHead);
  return walk.find((m) => m !== outgoing) ?? walk[0];
}

/** Next year's head and deputy of a cluster. */
export function nextHead(cluster: ClusterLeadership, mode: RotationMode, opts: NextHeadOptions = {}): NextLeadership {
  assertCluster(cluster);
  const { members, head } = cluster;
  if (opts.avoidRecent !== undefined && (!Number.isInteger(opts.avoidRecent) || opts.avoidRecent < 0)) {
    throw new Error(`Invalid avoidRecent ${JSON.stringify(opts.avoidRecent)}: expected an integer ≥ 0`);
  }
  if (opts.forYear !== undefined && !Number.isInteger(opts.forYear)) {
    throw new Error(`Invalid forYear ${JSON.stringify(opts.forYear)}: expected an integer`);
  }
  if (members.length === 1) return { head, skipped: [], relaxed: false };

  if (mode === 'deputy-becomes-head') {
    if (cluster.deputy === undefined) throw new Error('Mode "deputy-becomes-head" needs the current deputy');
    return { head: cluster.deputy, deputy: deputyAfter(members, cluster.deputy, head), skipped: [], relaxed: false };
  }
  if (mode !== 'rotate') throw new Error(`Unknown rotation mode ${JSON.stringify(mode)}: expected 'rotate' or 'deputy-becomes-head'`);

  const history = cluster.history ?? [];
  const forYear = opts.forYear ?? (history.length ? Math.max(...history.map((h) => h.year)) + 1 : undefined);
  const past = forYear === undefined ? history : history.filter((h) => h.year < forYear);
  const n = opts.avoidRecent ?? 0;
  const recent = new Set(forYear === undefined ? [] : past.filter((h) => h.year >= forYear - n).map((h) => h.head));

  const walk = after(members, head);
  let chosen = walk.find((m) => !recent.has(m));
  let relaxed = false;
  if (chosen === undefined) {
    // Everyone was head recently: take the one whose last term is oldest (walk order on ties).
    const last = (m: string) => Math.max(-Infinity, ...past.filter((h) => h.head === m).map((h) => h.year));
    chosen = walk.reduce((best, m) => (last(m) < last(best) ? m : best));
    relaxed = true;
  }
  const skipped = walk.slice(0, walk.indexOf(chosen));
  return { head: chosen, deputy: deputyAfter(members, chosen, head), skipped, relaxed };
}
