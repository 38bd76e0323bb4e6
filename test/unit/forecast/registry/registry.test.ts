import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decidePromotion } from '../../../../src/forecast/registry/promotion.js';
import { ModelRegistry, type ModelMetadata } from '../../../../src/forecast/registry/registry.js';

const series = { site: 's1', feeder: 'all', target: 'load' } as const;
const model = (version: string, maeKw: number) => ({ serving: { kind: 'model' as const, version }, maeKw });
const baseline = (name: string, maeKw: number) => ({ serving: { kind: 'baseline' as const, name }, maeKw });

describe('promotion', () => {
  const baselines = [baseline('seasonal-naive-day', 10), baseline('seasonal-naive-week', 8)];
  it('promotes a model that beats both the incumbent and the best baseline', () => {
    const d = decidePromotion(model('new', 5), model('old', 6), baselines);
    expect(d).toMatchObject({ promoted: true, serve: { kind: 'model', version: 'new' } });
    expect(d.reason).toMatch(/beats lstm@old .* and seasonal-naive-week/);
  });
  it('keeps the incumbent when the new model is worse than it', () => {
    expect(decidePromotion(model('new', 7), model('old', 6), baselines)).toMatchObject({ promoted: false, serve: { kind: 'model', version: 'old' } });
  });
  it('serves the best baseline when no model beats it', () => {
    const d = decidePromotion(model('new', 9), model('old', 8.5), baselines);
    expect(d).toMatchObject({ promoted: false, serve: { kind: 'baseline', name: 'seasonal-naive-week' } });
    expect(d.reason).toMatch(/does not beat seasonal-naive-week/);
  });
  it('never promotes a model whose validation failed (NaN)', () => {
    expect(decidePromotion(model('new', Number.NaN), undefined, baselines).serve).toEqual({ kind: 'baseline', name: 'seasonal-naive-week' });
  });
});

describe('model registry (real files)', () => {
  let dir: string;
  let reg: ModelRegistry;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gridcast-models-'));
    reg = new ModelRegistry(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const meta = (): Omit<ModelMetadata, 'version'> => ({
    series,
    resolutionMs: 3_600_000,
    features: ['history'],
    scalers: { mean: 1, sd: 2 },
    options: {},
    trainingWindow: { from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' },
    validation: { window: { from: '2026-05-01T00:00:00Z', to: '2026-06-01T00:00:00Z' }, model: {} as never, baselines: {} },
    backend: 'wasm',
    packageVersion: '0.1.0',
    createdAt: '2026-06-01T00:00:00Z',
  });

  it('saves versions with their files and metadata, lists them, and records promotions and rollbacks', async () => {
    const v1 = await reg.saveVersion(meta(), { 'weights.bin': new Uint8Array([1, 2, 3]) }, Date.UTC(2026, 5, 1));
    const v2 = await reg.saveVersion(meta(), { 'weights.bin': new Uint8Array([4]) }, Date.UTC(2026, 5, 2));
    expect(v1).toBe('20260601T000000Z');
    expect((await reg.versions(series)).map((m) => m.version)).toEqual([v1, v2]);
    expect([...(await reg.readFile(series, v1, 'weights.bin'))]).toEqual([1, 2, 3]);
    expect((await readdir(join(dir, 's1', 'all', 'load'))).some((n) => n.includes('.tmp'))).toBe(false);
    expect(await reg.seriesList()).toEqual([series]);

    await reg.setServing(series, { kind: 'baseline', name: 'seasonal-naive-day' }, 'keep', 'no model yet');
    await reg.setServing(series, { kind: 'model', version: v1 }, 'promote', 'beats baselines');
    await reg.setServing(series, { kind: 'model', version: v2 }, 'promote', 'beats v1');
    expect((await reg.serving(series)).serving).toEqual({ kind: 'model', version: v2 });
    expect(await reg.rollback(series)).toEqual({ kind: 'model', version: v1 });
    expect((await reg.serving(series)).history.at(-1)).toMatchObject({ action: 'rollback' });
    await expect(reg.setServing(series, { kind: 'model', version: '20990101T000000Z' }, 'manual', 'x')).rejects.toThrow(/no model version/);
  });

  it('refuses a rollback when nothing else ever served', async () => {
    await expect(reg.rollback(series)).rejects.toThrow(/nothing to roll back to/);
  });
});
