/**
 * The plan file (`apiVersion: thidua/v1`): the public contract a coordinator writes for one year of one
 * level. This is its first part — body, calendar, staff, units, clusters and the registration stage —
 * validated with zod so that every error names its path, e.g. `units[2].contacts[0].email`.
 */
import { z } from 'zod';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (max 63)');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a real calendar date');
const lang = z.enum(['vi', 'en']).default('vi');

/** A number means working days; `{ days, unit: 'calendar' }` says calendar days. */
export const offsetSchema = z.union([
  z.number().int().min(0).max(366).transform((days) => ({ days, unit: 'working' as const })),
  z.object({ days: z.number().int().min(0).max(366), unit: z.enum(['working', 'calendar']).default('working') }),
]);

export const personSchema = z.object({
  name: z.string().trim().min(1),
  email: z.email(),
  role: z.string().trim().optional(),
  lang,
});

export const staffSchema = personSchema.extend({ id: slug });

export const unitSchema = z.object({
  id: slug,
  name: z.string().trim().min(1),
  /** Units form a tree (the levels differ by province and changed in 2025): the tree is data. */
  parent: slug.optional(),
  contacts: z.array(personSchema).min(1, 'a unit needs at least one contact'),
  /** The staff member who follows the unit and verifies its reports (ban/cán bộ theo dõi địa bàn). */
  reviewer: slug,
});

export const clusterSchema = z.object({
  id: slug,
  name: z.string().trim().min(1),
  members: z.array(slug).min(1, 'a cluster needs at least one member unit'),
  head: slug,
  deputy: slug.optional(),
});

export const stepScheduleSchema = z.object({
  opensOn: isoDate.optional(),
  deadline: isoDate,
  reminders: z.array(offsetSchema).default([7, 3, 1].map((days) => ({ days, unit: 'working' as const }))),
  grace: offsetSchema.default({ days: 0, unit: 'working' }),
  escalations: z.array(offsetSchema).default([{ days: 0, unit: 'working' }]),
});

/** How the year's official documents are headed and signed (Nghị định 30 layout). */
export const documentSettingsSchema = z.object({
  number: z.string().trim().optional(),
  symbol: z.string().trim().default('KH-MTTQ-BTT'),
  /** The issuing department under the body, in capitals. */
  issuingDepartment: z.string().trim().default('BAN THƯỜNG TRỰC'),
  signer: z
    .object({
      onBehalf: z.enum(['TM.', 'KT.']).optional(),
      onBehalfOf: z.string().trim().optional(),
      title: z.string().trim().min(1),
      name: z.string().trim().min(1),
    })
    .optional(),
  recipients: z.array(z.string().trim().min(1)).default([]),
});

export const planSchema = z
  .object({
    apiVersion: z.literal('thidua/v1'),
    body: z.object({
      id: slug,
      name: z.string().trim().min(1),
      parentName: z.string().trim().optional(),
      place: z.string().trim().optional(),
    }),
    year: z.number().int().min(2000).max(2100),
    timeZone: z
      .string()
      .default('Asia/Ho_Chi_Minh')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'is not a known IANA time zone'),
    calendar: z
      .object({
        holidays: z.array(isoDate).default([]),
        workingWeekdays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
        extraWorkingDays: z.array(isoDate).default([]),
      })
      .default({ holidays: [], workingWeekdays: [1, 2, 3, 4, 5], extraWorkingDays: [] }),
    staff: z.array(staffSchema).min(1),
    units: z.array(unitSchema).min(1),
    clusters: z.array(clusterSchema).min(1),
    /** Each stage schedules its unit steps (rules/steps.ts); only registration is required. */
    document: documentSettingsSchema.optional(),
    stages: z.object({
      registration: stepScheduleSchema,
      midYear: stepScheduleSchema.optional(),
      reports: stepScheduleSchema.optional(),
    }),
  })
  .superRefine((plan, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const dupes = (ids: string[], at: string) =>
      ids.forEach((id, i) => ids.indexOf(id) !== i && issue([at, i, 'id'], `duplicate id "${id}"`));
    dupes(plan.staff.map((s) => s.id), 'staff');
    dupes(plan.units.map((u) => u.id), 'units');
    dupes(plan.clusters.map((c) => c.id), 'clusters');

    const staff = new Set(plan.staff.map((s) => s.id));
    const units = new Set(plan.units.map((u) => u.id));
    plan.units.forEach((u, i) => {
      if (!staff.has(u.reviewer)) issue(['units', i, 'reviewer'], `unknown staff id "${u.reviewer}"`);
      if (u.parent !== undefined && !units.has(u.parent)) issue(['units', i, 'parent'], `unknown unit id "${u.parent}"`);
    });
    const clusterOf = new Map<string, string>();
    plan.clusters.forEach((c, i) => {
      c.members.forEach((m, j) => {
        if (!units.has(m)) issue(['clusters', i, 'members', j], `unknown unit id "${m}"`);
        const other = clusterOf.get(m);
        if (other !== undefined && other !== c.id) issue(['clusters', i, 'members', j], `unit "${m}" is already in cluster "${other}"`);
        else if (other === c.id) issue(['clusters', i, 'members', j], `unit "${m}" is listed twice`);
        clusterOf.set(m, c.id);
      });
      if (!c.members.includes(c.head)) issue(['clusters', i, 'head'], `head "${c.head}" is not a member of the cluster`);
      if (c.deputy !== undefined && !c.members.includes(c.deputy))
        issue(['clusters', i, 'deputy'], `deputy "${c.deputy}" is not a member of the cluster`);
    });
    for (const [name, stage] of Object.entries(plan.stages)) {
      if (stage?.opensOn !== undefined && stage.opensOn > stage.deadline)
        issue(['stages', name, 'opensOn'], `opens after its deadline (${stage.deadline})`);
    }
  });

export type Plan = z.infer<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;
export type Person = z.infer<typeof personSchema>;

export interface PlanProblem {
  path: string;
  message: string;
}

/** `['clusters', 2, 'units', 0]` → `clusters[2].units[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; problems: PlanProblem[] };

export function validatePlan(input: unknown): PlanResult {
  const r = planSchema.safeParse(input);
  if (r.success) return { ok: true, plan: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((i) => ({ path: formatPath(i.path) || '(root)', message: i.message })),
  };
}
