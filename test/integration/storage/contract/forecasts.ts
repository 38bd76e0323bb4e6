import { describe, expect, it } from 'vitest';
import { InvalidQueryError, StoreRejectedError } from '../../../../src/common/errors.js';
import type { ForecastPoint } from '../../../../src/contract/index.js';
import { compareByTimeIssueModel, type ForecastQuery } from '../../../../src/storage/index.js';
import { fc, issue, fq, fe, H, ISSUE_6, ISSUE_7, INJECTIONS, useStores, type StoreSetup } from './fixture.js';

/** What every ForecastStore must do, run against each real engine. */
export function describeForecastContract(engine: string, setup: StoreSetup): void {
  describe(`ForecastStore contract: ${engine}`, () => {
    const ctx = useStores(setup);

    describe('forecasts', () => {
      const early = issue(ISSUE_6, 100, 'seasonal-naive'); // 06:00 → 06:00 + 47 h
      const late = issue(ISSUE_7, 1000, 'lstm'); // 07:00 → 07:00 + 47 h, overlapping all but 06:00

      it('reads the latest issue per target time, and what was forecast as of any instant', async () => {
        await ctx.stores.forecasts.writeForecasts(late);
        await ctx.stores.forecasts.writeForecasts(early); // written out of issue order on purpose
        // Latest: 06:00's value where only it exists, 07:00's everywhere else; one point per time, sorted.
        expect(await ctx.stores.forecasts.readForecasts(fq())).toEqual([early[0], ...late]);
        // As of 06:30 the 07:00 issue didn't exist yet; as of 07:00 it did (issued_at_ms <= asOfMs).
        expect(await ctx.stores.forecasts.readForecasts(fq({ asOfMs: ISSUE_6 + H / 2 }))).toEqual(early);
        expect(await ctx.stores.forecasts.readForecasts(fq({ asOfMs: ISSUE_7 }))).toEqual([early[0], ...late]);
        expect(await ctx.stores.forecasts.readForecasts(fq({ asOfMs: ISSUE_6 - 1 }))).toEqual([]);
        // "What did we forecast at 06:00 for 18:00?", model included.
        const at18 = ISSUE_6 + 12 * H;
        const at6for18 = await ctx.stores.forecasts.readForecasts(fq({ fromMs: at18, toMs: at18 + 1, asOfMs: ISSUE_6 }));
        expect(at6for18).toEqual([early[12]]);
        expect(at6for18[0]).toMatchObject({ site: 's1', feeder: 'all', target: 'load', model: 'seasonal-naive', issuedAtMs: ISSUE_6, timeMs: at18 });
        expect((await ctx.stores.forecasts.readForecasts(fq({ fromMs: at18, toMs: at18 + 1 })))[0]).toMatchObject({ model: 'lstm', issuedAtMs: ISSUE_7, p50Kw: 1011.123456789 });
        // toMs is exclusive; other sites, feeders and targets are separate.
        expect(await ctx.stores.forecasts.readForecasts(fq({ toMs: ISSUE_7 }))).toEqual([early[0]]);
        expect(await ctx.stores.forecasts.readForecasts(fq({ feeder: 'f1' }))).toEqual([]);
        expect(await ctx.stores.forecasts.readForecasts(fq({ target: 'pv' }))).toEqual([]);
        expect(await ctx.stores.forecasts.readForecasts(fq({ site: 's2' }))).toEqual([]);
      });

      it('keeps the band scales a forecast was issued with, and a re-issue without them overwrites them', async () => {
        const scaled = { ...fc(ISSUE_6, ISSUE_6 + 12 * H, 5), bandScaleLower: 1.25, bandScaleUpper: 0.5 };
        await ctx.stores.forecasts.writeForecasts([scaled]);
        expect(await ctx.stores.forecasts.readForecasts(fq())).toEqual([scaled]);
        expect(await ctx.stores.forecasts.readForecastHistory(fq())).toEqual([scaled]);
        const plain = fc(ISSUE_6 + 20 * 60_000, ISSUE_6 + 12 * H, 6);
        await ctx.stores.forecasts.writeForecasts([plain]);
        expect(await ctx.stores.forecasts.readForecasts(fq())).toEqual([plain]);
        await expect(ctx.stores.forecasts.writeForecasts([{ ...plain, bandScaleLower: -1 }])).rejects.toThrow(StoreRejectedError);
        await expect(ctx.stores.forecasts.writeForecasts([{ ...plain, bandScaleUpper: Number.NaN }])).rejects.toThrow('bandScaleUpper must be a finite number ≥ 0');
      });

      it('overwrites a re-issue with the same series, time and lead, also within one batch', async () => {
        await ctx.stores.forecasts.writeForecasts([fc(ISSUE_6, ISSUE_6 + 12 * H, 5)]);
        // Issued 20 minutes later: the lead still rounds to 12 h, so it replaces the 06:00 point.
        const reissued = fc(ISSUE_6 + 20 * 60_000, ISSUE_6 + 12 * H, 6);
        await ctx.stores.forecasts.writeForecasts([fc(ISSUE_6 + 20 * 60_000, ISSUE_6 + 12 * H, 9), reissued]);
        expect(await ctx.stores.forecasts.readForecasts(fq())).toEqual([reissued]);
        expect(await ctx.stores.forecasts.readForecasts(fq({ asOfMs: ISSUE_6 + 10 * 60_000 }))).toEqual([]);
        // A forecast of the step that started 20 minutes before issue has lead 0.
        const current = fc(ISSUE_7 + 20 * 60_000, ISSUE_7, 1);
        await ctx.stores.forecasts.writeForecasts([current]);
        expect(await ctx.stores.forecasts.readForecasts(fq({ toMs: ISSUE_7 + 1 }))).toEqual([current]);
      });

      it('accepts leads up to 168 h and refuses bad points and bad queries with the right error', async () => {
        const ok = fc(ISSUE_6, ISSUE_6 + 168 * H, 1);
        await ctx.stores.forecasts.writeForecasts([ok]);
        expect(await ctx.stores.forecasts.readForecasts(fq({ toMs: ISSUE_6 + 169 * H }))).toEqual([ok]);
        const bad: Partial<ForecastPoint>[] = [
          { timeMs: ISSUE_6 + 169 * H }, // lead over 168
          { timeMs: ISSUE_6 - H }, // lead -1
          { p10Kw: 5 }, // p10 > p50
          { p90Kw: 0 }, // p90 < p50
          { p50Kw: Number.NaN },
          { p90Kw: Number.POSITIVE_INFINITY },
          { timeMs: ISSUE_6 + 0.5 },
          { model: '' },
          { site: '' },
          { target: 'solar' as 'pv' },
        ];
        for (const over of bad) {
          // A bad point fails the whole batch before anything is written.
          await expect(ctx.stores.forecasts.writeForecasts([fc(ISSUE_6, ISSUE_6 + 2 * H, 2), fc(ISSUE_6, ISSUE_6 + H, 2, over)]), JSON.stringify(over)).rejects.toBeInstanceOf(
            StoreRejectedError,
          );
        }
        await ctx.stores.forecasts.writeForecasts([]);
        expect(await ctx.stores.forecasts.readForecasts(fq({ toMs: ISSUE_6 + 169 * H }))).toEqual([ok]);
        const badQueries: Partial<ForecastQuery>[] = [
          { site: '' },
          { feeder: '' },
          { target: 'nope' as 'load' },
          { toMs: ISSUE_6 },
          { fromMs: ISSUE_6 + 0.5 },
          { toMs: Number.NaN },
          { asOfMs: Number.NaN },
          { asOfMs: 1.5 },
        ];
        for (const over of badQueries) {
          await expect(ctx.stores.forecasts.readForecasts(fq(over)), JSON.stringify(over)).rejects.toBeInstanceOf(InvalidQueryError);
        }
      });

      it.each(INJECTIONS)('stores %j as a plain site, feeder and model, or refuses it on write and read alike', async (evil) => {
        const good = fc(ISSUE_6, ISSUE_6, 5);
        await ctx.stores.forecasts.writeForecasts([good]);
        const evilPoint = fc(ISSUE_6, ISSUE_6, 7, { site: evil, feeder: evil, model: evil });
        const q = fq({ site: evil, feeder: evil });
        if (/[\\\n]/.test(evil)) {
          // Backslashes and control characters can't be carried by InfluxDB line protocol: no store takes them.
          await expect(ctx.stores.forecasts.writeForecasts([evilPoint])).rejects.toBeInstanceOf(StoreRejectedError);
          await expect(ctx.stores.forecasts.readForecasts(q)).rejects.toBeInstanceOf(InvalidQueryError);
        } else {
          expect(await ctx.stores.forecasts.readForecasts(q)).toEqual([]);
          await ctx.stores.forecasts.writeForecasts([evilPoint]);
          expect(await ctx.stores.forecasts.readForecasts(q)).toEqual([evilPoint]);
          expect(await ctx.stores.forecasts.readForecasts({ ...q, site: 's1' })).toEqual([]);
        }
        await expect(ctx.stores.forecasts.readForecasts({ ...q, target: evil as 'load' })).rejects.toBeInstanceOf(InvalidQueryError);
        expect(await ctx.stores.forecasts.readForecasts(fq())).toEqual([good]);
      });
    });

    describe('forecast history and scores (forecast_error)', () => {
      it('reads every stored forecast point in the range, each issue, model and lead, sorted by time, issue, model', async () => {
        // 24 hourly issues of 48 steps, alternating models: 1,152 points, most times forecast by several issues.
        const all = Array.from({ length: 24 }, (_, k) => issue(ISSUE_6 + k * H, 100 * k, k % 2 ? 'lstm@v1' : 'seasonal-naive-week')).flat();
        await ctx.stores.forecasts.writeForecasts(all.slice(500));
        await ctx.stores.forecasts.writeForecasts(all.slice(0, 500));
        const range = { site: 's1', feeder: 'all', target: 'load', fromMs: ISSUE_6, toMs: ISSUE_6 + 100 * H } as const;
        const history = await ctx.stores.forecasts.readForecastHistory(range);
        expect(history).toHaveLength(24 * 48);
        expect(history).toEqual([...all].sort(compareByTimeIssueModel));
        // Unlike readForecasts: no reduction to the latest issue, and an asOfMs that comes along is ignored.
        const at = ISSUE_6 + 30 * H;
        const atOnly = await ctx.stores.forecasts.readForecastHistory({ ...range, fromMs: at, toMs: at + 1, asOfMs: ISSUE_6 } as ForecastQuery);
        expect(atOnly.map((p) => p.issuedAtMs)).toEqual(Array.from({ length: 24 }, (_, k) => ISSUE_6 + k * H));
        expect(await ctx.stores.forecasts.readForecasts({ ...range, fromMs: at, toMs: at + 1 })).toEqual([atOnly.at(-1)]);
        // toMs is exclusive; other feeders, targets and sites are separate; bad queries are refused.
        expect(await ctx.stores.forecasts.readForecastHistory({ ...range, toMs: ISSUE_6 + 1 })).toEqual([all[0]]);
        expect(await ctx.stores.forecasts.readForecastHistory({ ...range, feeder: 'f1' })).toEqual([]);
        expect(await ctx.stores.forecasts.readForecastHistory({ ...range, target: 'pv' })).toEqual([]);
        await expect(ctx.stores.forecasts.readForecastHistory({ ...range, toMs: range.fromMs })).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(ctx.stores.forecasts.readForecastHistory({ ...range, target: 'nope' as 'load' })).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it('writes scores and reads them back exactly: one point per model, lead and step', async () => {
        const at = ISSUE_6 + 12 * H;
        const points = [
          fe(ISSUE_6, at), // lead 12
          fe(ISSUE_7, at, { p50Kw: 11, errorKw: 0.876543211, absErrorKw: 0.876543211, apePct: 8.66, pinballKw: 0.25 }), // lead 11
          fe(ISSUE_6, at, { model: 'seasonal-naive-week', p50Kw: 20, errorKw: 9.876543211, absErrorKw: 9.876543211, apePct: 97.56, inBand: 0, pinballKw: 5 }),
          fe(ISSUE_6, at + H, { actualKw: 0.001, apePct: undefined }), // near-zero actual: no ape_pct
          fe(ISSUE_6, at, { feeder: 'f1' }),
          fe(ISSUE_6, at, { target: 'pv' }),
        ];
        await ctx.stores.forecasts.writeForecastErrors(points);
        const range = { site: 's1', feeder: 'all', target: 'load', fromMs: ISSUE_6, toMs: ISSUE_6 + 48 * H } as const;
        const read = await ctx.stores.forecasts.readForecastErrors(range);
        expect(read).toEqual([points[0], points[2], points[1], points[3]]);
        expect(read[3]).not.toHaveProperty('apePct');
        expect(await ctx.stores.forecasts.readForecastErrors({ ...range, feeder: 'f1' })).toEqual([points[4]]);
        expect(await ctx.stores.forecasts.readForecastErrors({ ...range, target: 'pv' })).toEqual([points[5]]);
        expect(await ctx.stores.forecasts.readForecastErrors({ ...range, toMs: at })).toEqual([]);
      });

      it('overwrites a re-score of the same key, also within one batch; a left-out ape_pct keeps the stored one', async () => {
        const at = ISSUE_6 + 6 * H;
        await ctx.stores.forecasts.writeForecastErrors([fe(ISSUE_6, at, { actualKw: 1 }), fe(ISSUE_6, at + H, { apePct: 5 })]);
        const rescored = fe(ISSUE_6, at, { actualKw: 2, inBand: 0 });
        // A re-issue 20 minutes later has the same lead: it replaces the score, as it replaced the forecast.
        const reissued = fe(ISSUE_6 + 20 * 60_000, at, { actualKw: 3 });
        await ctx.stores.forecasts.writeForecastErrors([rescored, reissued]);
        const { apePct: _, ...withoutApe } = fe(ISSUE_6, at + H, { actualKw: 4 });
        await ctx.stores.forecasts.writeForecastErrors([withoutApe]);
        const read = await ctx.stores.forecasts.readForecastErrors(fq());
        // Same rule as telemetry in both engines: the fields a write carries overwrite, the others stay.
        expect(read).toEqual([reissued, { ...withoutApe, apePct: 5 }]);
      });

      it('refuses bad score points whole-batch with StoreRejectedError', async () => {
        const good = fe(ISSUE_6, ISSUE_6 + H);
        for (const over of [{ site: '' }, { model: 'a\b' }, { target: 'heat' as 'load' }, { timeMs: ISSUE_6 - H }, { timeMs: ISSUE_6 + 169 * H }, { actualKw: Number.NaN }, { apePct: Number.POSITIVE_INFINITY }, { inBand: 2 as 1 }]) {
          await expect(ctx.stores.forecasts.writeForecastErrors([good, fe(ISSUE_6, ISSUE_6 + 2 * H, over)]), JSON.stringify(over)).rejects.toBeInstanceOf(StoreRejectedError);
        }
        await ctx.stores.forecasts.writeForecastErrors([]);
        expect(await ctx.stores.forecasts.readForecastErrors(fq())).toEqual([]);
        await expect(ctx.stores.forecasts.readForecastErrors(fq({ site: '' }))).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it.each(INJECTIONS)('stores %j as a plain site, feeder and model of a score, or refuses it on write and read alike', async (evil) => {
        const good = fe(ISSUE_6, ISSUE_6 + H);
        await ctx.stores.forecasts.writeForecastErrors([good]);
        await ctx.stores.forecasts.writeForecasts([fc(ISSUE_6, ISSUE_6 + H, 5)]);
        const evilPoint = fe(ISSUE_6, ISSUE_6 + H, { site: evil, feeder: evil, model: evil });
        const q = fq({ site: evil, feeder: evil });
        if (/[\\\n]/.test(evil)) {
          await expect(ctx.stores.forecasts.writeForecastErrors([evilPoint])).rejects.toBeInstanceOf(StoreRejectedError);
          await expect(ctx.stores.forecasts.readForecastErrors(q)).rejects.toBeInstanceOf(InvalidQueryError);
          await expect(ctx.stores.forecasts.readForecastHistory(q)).rejects.toBeInstanceOf(InvalidQueryError);
        } else {
          expect(await ctx.stores.forecasts.readForecastErrors(q)).toEqual([]);
          expect(await ctx.stores.forecasts.readForecastHistory(q)).toEqual([]);
          await ctx.stores.forecasts.writeForecastErrors([evilPoint]);
          expect(await ctx.stores.forecasts.readForecastErrors(q)).toEqual([evilPoint]);
        }
        expect(await ctx.stores.forecasts.readForecastErrors(fq())).toEqual([good]);
        expect(await ctx.stores.forecasts.readForecastHistory(fq())).toEqual([fc(ISSUE_6, ISSUE_6 + H, 5)]);
      });
    });
  });
}
