/** Delegation: who acts when, when the workflow wakes, and which delegations are refused. */
import { activeDelegation, actingFor, delegationRefusal, nextBoundary, type DelegationPeriod } from '../../rules/delegation';

const t = (iso: string) => Date.parse(iso);
const d = (email: string, sub: string, from: string, until: string, role: 'contact' | 'reviewer' = 'contact'): DelegationPeriod => ({
  role,
  email,
  substitute: { email: sub },
  fromAt: from,
  untilAt: until,
});
const away = d('a@x.vn', 'b@x.vn', '2027-03-01T17:00:00Z', '2027-03-05T17:00:00Z');
const people = { contacts: ['a@x.vn', 'c@x.vn'], reviewer: 'r@x.vn' };

describe('activeDelegation / actingFor', () => {
  test.each<[string, string, string | undefined]>([
    ['before the period', '2027-03-01T16:59:59Z', undefined],
    ['at its first instant', '2027-03-01T17:00:00Z', 'b@x.vn'],
    ['inside it', '2027-03-03T03:00:00Z', 'b@x.vn'],
    ['at its end (exclusive)', '2027-03-05T17:00:00Z', undefined],
  ])('%s', (_name, now, substitute) => {
    expect(activeDelegation([away], 'contact', 'a@x.vn', t(now))?.substitute.email).toBe(substitute);
    expect(actingFor([away], 'contact', 'b@x.vn', t(now))).toBe(substitute ? 'a@x.vn' : undefined);
  });

  test('the role must match', () => {
    expect(activeDelegation([away], 'reviewer', 'a@x.vn', t('2027-03-03T03:00:00Z'))).toBeUndefined();
    expect(actingFor([away], 'reviewer', 'b@x.vn', t('2027-03-03T03:00:00Z'))).toBeUndefined();
  });
});

describe('nextBoundary', () => {
  test.each<[string, string, string | undefined]>([
    ['before: the start', '2027-02-01T00:00:00Z', '2027-03-01T17:00:00Z'],
    ['at the start: the end', '2027-03-01T17:00:00Z', '2027-03-05T17:00:00Z'],
    ['after: none', '2027-03-06T00:00:00Z', undefined],
  ])('%s', (_name, now, next) => {
    const n = nextBoundary([away], t(now));
    expect(n === undefined ? undefined : new Date(n).toISOString().replace('.000', '')).toBe(next);
  });
});

describe('delegationRefusal', () => {
  const now = t('2027-02-15T00:00:00Z');
  test.each<[string, DelegationPeriod, string | undefined]>([
    ['a contact, later on', d('c@x.vn', 'e@x.vn', '2027-03-01T17:00:00Z', '2027-03-02T17:00:00Z'), undefined],
    ['the reviewer', d('r@x.vn', 's@x.vn', '2027-03-01T17:00:00Z', '2027-03-09T17:00:00Z', 'reviewer'), undefined],
    ['the same person, after the first period', d('a@x.vn', 'e@x.vn', '2027-03-05T17:00:00Z', '2027-03-09T17:00:00Z'), undefined],
    ['someone who is not a contact', d('z@x.vn', 'e@x.vn', '2027-03-01T17:00:00Z', '2027-03-02T17:00:00Z'), 'z@x.vn is not a contact of this unit'],
    ['someone who is not the reviewer', d('a@x.vn', 'e@x.vn', '2027-03-01T17:00:00Z', '2027-03-02T17:00:00Z', 'reviewer'), "a@x.vn is not this unit's reviewer"],
    ['oneself', d('c@x.vn', 'c@x.vn', '2027-03-01T17:00:00Z', '2027-03-02T17:00:00Z'), 'a person cannot be their own substitute'],
    ['an empty period', d('c@x.vn', 'e@x.vn', '2027-03-02T17:00:00Z', '2027-03-02T17:00:00Z'), 'the period must end after it starts'],
    ['a period over', d('c@x.vn', 'e@x.vn', '2027-01-01T17:00:00Z', '2027-01-02T17:00:00Z'), 'the period is already over'],
    ['a bad instant', d('c@x.vn', 'e@x.vn', 'soon', '2027-01-02T17:00:00Z'), 'the period has an invalid instant'],
    [
      'an overlap with the person’s delegation',
      d('a@x.vn', 'e@x.vn', '2027-03-04T17:00:00Z', '2027-03-09T17:00:00Z'),
      'a@x.vn already has a substitute (b@x.vn) from 2027-03-01T17:00:00Z until 2027-03-05T17:00:00Z',
    ],
  ])('%s', (_name, req, refusal) => {
    expect(delegationRefusal([away], req, people, now)).toBe(refusal);
  });

  test('a substitute cannot delegate while standing in', () => {
    const people2 = { contacts: ['a@x.vn', 'b@x.vn'], reviewer: 'r@x.vn' };
    expect(delegationRefusal([away], d('b@x.vn', 'e@x.vn', '2027-03-02T17:00:00Z', '2027-03-03T17:00:00Z'), people2, now)).toBe(
      'b@x.vn is standing in for someone in that period: a substitute cannot delegate',
    );
  });
});
