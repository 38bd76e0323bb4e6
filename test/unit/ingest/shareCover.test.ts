import { describe, expect, it } from 'vitest';
import { coverPlan, coveringMember, type MemberState } from '../../../src/ingest/shareCover.js';

const present = (sinceMs = 0): MemberState => ({ present: true, sinceMs, coverable: true });
const absent = (sinceMs: number, coverable = true): MemberState => ({ present: false, sinceMs, coverable });

describe('coveringMember', () => {
  it('is the first present member after the absent one in sorted order, wrapping round', () => {
    expect(coveringMember('b', ['a', 'c', 'd'])).toBe('c');
    expect(coveringMember('d', ['a', 'b', 'c'])).toBe('a'); // wraps
    expect(coveringMember('a', ['c', 'b'])).toBe('b'); // order given does not matter
    expect(coveringMember('a', ['a'])).toBeUndefined(); // nobody else
    expect(coveringMember('ingest-b', ['ingest-a', 'ingest-b', 'ingest-c'])).toBe('ingest-c');
  });
});

describe('coverPlan', () => {
  const members = (entries: Record<string, MemberState>) => new Map(Object.entries(entries));

  it('takes an absent member over only once it has been gone the whole grace, and only where this member is the one after it', () => {
    const m = members({ 'ingest-a': present(), 'ingest-c': absent(10_000) });
    // ingest-c's cover is the first present after it, wrapping: ingest-a (b is self and comes before c).
    expect(coverPlan('ingest-b', m, new Set(), 20_000, 5000)).toEqual({ take: [], release: [] });
    expect(coverPlan('ingest-a', m, new Set(), 14_999, 5000)).toEqual({ take: [], release: [] });
    expect(coverPlan('ingest-a', m, new Set(), 15_000, 5000)).toEqual({ take: ['ingest-c'], release: [] });
  });

  it('lets a covered session go when the member is back, and when another member now comes after it', () => {
    expect(coverPlan('ingest-c', members({ 'ingest-a': present(), 'ingest-b': present(50) }), new Set(['ingest-b']), 60, 5000)).toEqual({ take: [], release: ['ingest-b'] });
    // a covered b; then b2 (sorting between b and c) arrives: b's cover is b2 now.
    const m = members({ b: absent(0), b2: present(100) });
    expect(coverPlan('c', m, new Set(['b']), 200, 5000)).toEqual({ take: [], release: ['b'] });
    expect(coverPlan('b2', m, new Set(), 200, 0)).toEqual({ take: ['b'], release: [] });
  });

  it('does not take a member back whose session was taken back or found empty, and forgets a retired one', () => {
    expect(coverPlan('a', members({ b: absent(0, false) }), new Set(), 60_000, 5000)).toEqual({ take: [], release: [] });
    expect(coverPlan('a', members({}), new Set(['b']), 0, 5000)).toEqual({ take: [], release: ['b'] });
  });

  it('covers every absent member, each by exactly one survivor', () => {
    const m = members({ a: present(), b: absent(0), c: present(), d: absent(0), e: absent(0) });
    const plans = ['a', 'c'].map((self) => coverPlan(self, m, new Set(), 10_000, 5000).take);
    // b → c; d → first after d among {a, c}: wraps to a; e → a.
    expect(plans).toEqual([['d', 'e'], ['b']]);
  });
});
