/**
 * Delegation (ủy quyền): a person (a unit's contact or its reviewer; a cluster's head or leader, a
 * council member, an inspector) is away for a period and a substitute acts for them. Pure functions over the delegations a unit workflow holds, so the
 * workflow's validator, its timers and the tests agree on who acts when. A period is [fromAt, untilAt):
 * the api turns the coordinator's local dates into instants (from 00:00 of the first day to the end
 * of the last day).
 */
export type DelegationRole = 'contact' | 'reviewer' | 'head' | 'leader' | 'council' | 'inspector';

export interface DelegationPeriod {
  role: DelegationRole;
  email: string;
  substitute: { email: string };
  fromAt: string;
  untilAt: string;
}

const ms = (iso: string) => Date.parse(iso);

/** The delegation running at `now` for this person in this role, if any. */
export function activeDelegation<D extends DelegationPeriod>(delegations: readonly D[], role: DelegationRole, email: string, now: number): D | undefined {
  return delegations.find((d) => d.role === role && d.email === email && ms(d.fromAt) <= now && now < ms(d.untilAt));
}

/** Whom `email` stands in for now in this role (they are a running delegation's substitute), if anyone. */
export function actingFor(delegations: readonly DelegationPeriod[], role: DelegationRole, email: string, now: number): string | undefined {
  return delegations.find((d) => d.role === role && d.substitute.email === email && ms(d.fromAt) <= now && now < ms(d.untilAt))?.email;
}

/** The next instant after `now` at which some delegation starts or ends (the workflow wakes then), or undefined. */
export function nextBoundary(delegations: readonly DelegationPeriod[], now: number): number | undefined {
  const after = delegations.flatMap((d) => [ms(d.fromAt), ms(d.untilAt)]).filter((t) => t > now);
  return after.length > 0 ? Math.min(...after) : undefined;
}

/**
 * Why a new delegation cannot be accepted, or undefined: the person must hold the role, the substitute
 * must be someone else (and not the person's own substitute's substitute: one level only), the period
 * must be valid and not over, and must not overlap another delegation of the same person.
 */
export function delegationRefusal(
  existing: readonly DelegationPeriod[],
  req: DelegationPeriod,
  people: { contacts: string[]; reviewer: string },
  now: number,
): string | undefined {
  if (req.role === 'reviewer' && people.reviewer !== req.email) return `${req.email} is not this unit's reviewer`;
  if (req.role === 'contact' && !people.contacts.includes(req.email)) return `${req.email} is not a contact of this unit`;
  return periodRefusal(existing, req, now);
}

/**
 * The checks of any delegation once the person is known to hold the role (a cluster's or cycle's
 * workflow checks that itself): another substitute, a valid period not over, no overlap, one level only.
 */
export function periodRefusal(existing: readonly DelegationPeriod[], req: DelegationPeriod, now: number): string | undefined {
  if (req.substitute.email === req.email) return 'a person cannot be their own substitute';
  const [from, until] = [ms(req.fromAt), ms(req.untilAt)];
  if (Number.isNaN(from) || Number.isNaN(until)) return 'the period has an invalid instant';
  if (from >= until) return 'the period must end after it starts';
  if (until <= now) return 'the period is already over';
  const clash = existing.find((d) => d.role === req.role && d.email === req.email && ms(d.fromAt) < until && from < ms(d.untilAt));
  if (clash) return `${req.email} already has a substitute (${clash.substitute.email}) from ${clash.fromAt} until ${clash.untilAt}`;
  if (existing.some((d) => d.role === req.role && d.substitute.email === req.email && ms(d.fromAt) < until && from < ms(d.untilAt)))
    return `${req.email} is standing in for someone in that period: a substitute cannot delegate`;
  return undefined;
}
