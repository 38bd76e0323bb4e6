import { describe, expect, it } from 'vitest';
import { InvalidQueryError } from '../../../../src/common/errors.js';
import { sleep } from '../../../support/services.js';
import { useStores, type StoreSetup } from './fixture.js';

/** What every LockStore must do, run against each real engine. */
export function describeLockContract(engine: string, setup: StoreSetup): void {
  describe(`LockStore contract: ${engine}`, () => {
    const ctx = useStores(setup);

    describe('locks', () => {
      it('gives a lock to one holder at a time until released', async () => {
        expect(await ctx.stores.locks.tryAcquireLock('train', 'A', 60_000)).toBe(true);
        expect(await ctx.stores.locks.tryAcquireLock('train', 'B', 60_000)).toBe(false);
        expect(await ctx.stores.locks.tryAcquireLock('train', 'A', 60_000)).toBe(true); // re-acquiring your own lease
        await ctx.stores.locks.releaseLock('train', 'B'); // not B's: nothing happens
        expect(await ctx.stores.locks.tryAcquireLock('train', 'B', 60_000)).toBe(false);
        expect(await ctx.stores.locks.tryAcquireLock(`other' OR '1'='1`, 'B', 60_000)).toBe(true); // locks are independent
        await ctx.stores.locks.releaseLock('train', 'A');
        expect(await ctx.stores.locks.tryAcquireLock('train', 'B', 60_000)).toBe(true);
        expect(await ctx.stores.locks.tryAcquireLock('train', 'A', 60_000)).toBe(false);
        await ctx.stores.locks.releaseLock('never-taken', 'A');
        await expect(ctx.stores.locks.tryAcquireLock('', 'A', 1000)).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(ctx.stores.locks.tryAcquireLock('train', 'A', 0)).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(ctx.stores.locks.releaseLock('train', '')).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it('lets a lease expire, and re-acquiring extends it', async () => {
        expect(await ctx.stores.locks.tryAcquireLock('train', 'A', 300)).toBe(true);
        expect(await ctx.stores.locks.tryAcquireLock('train', 'B', 300)).toBe(false);
        await sleep(400);
        expect(await ctx.stores.locks.tryAcquireLock('train', 'B', 800)).toBe(true); // B's lease: until ~800 ms from here
        await sleep(500);
        expect(await ctx.stores.locks.tryAcquireLock('train', 'B', 800)).toBe(true); // extended: until ~1,300 ms
        await sleep(500);
        expect(await ctx.stores.locks.tryAcquireLock('train', 'A', 300)).toBe(false); // without the extension B's lease had ended
      });
    });
  });
}
