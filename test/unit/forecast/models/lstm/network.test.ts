import { afterEach, describe, expect, it, vi } from 'vitest';
import { withoutOrthogonalNotice } from '../../../../../src/forecast/models/lstm/network.js';

const NOTICE = 'Orthogonal initializer is being called on a matrix with more than 2000 (4096) elements: Slowness may result.';

afterEach(() => {
  vi.restoreAllMocks();
});

describe("tfjs's orthogonal-initializer notice", () => {
  it('is dropped while a network is built or loaded; every other warning still shows, and console.warn is restored', async () => {
    const seen: unknown[] = [];
    const original = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void seen.push(args[0]));
    const patched = console.warn;
    expect(withoutOrthogonalNotice(() => (console.warn(NOTICE), console.warn('weights missing'), 42))).toBe(42);
    await withoutOrthogonalNotice(async () => {
      console.warn(NOTICE);
      await Promise.resolve();
      console.warn('later');
    });
    expect(() => withoutOrthogonalNotice(() => { throw new Error('bad shape'); })).toThrow('bad shape');
    expect(console.warn).toBe(patched);
    console.warn(NOTICE);
    expect(seen).toEqual(['weights missing', 'later', NOTICE]);
    expect(original).toHaveBeenCalledTimes(3);
  });
});
