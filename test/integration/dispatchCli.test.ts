import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchPlanSchema, scenarioSchema } from '../../src/dispatch/index.js';
import { runCli } from '../support/cli.js';

const EXAMPLE = new URL('../../examples/dispatch-scenario.json', import.meta.url).pathname;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-dispatch-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gridcast dispatch --scenario', () => {
  it('solves the shipped example and prints the plan as one JSON object that holds every limit', async () => {
    const r = await runCli(['dispatch', '--scenario', EXAMPLE, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const plan = dispatchPlanSchema.parse(JSON.parse(r.stdout));
    const scenario = scenarioSchema.parse(JSON.parse(await readFile(EXAMPLE, 'utf8')));
    expect(plan.steps).toHaveLength(scenario.forecasts.load.p50Kw.length);
    expect(plan.diagnosis).toEqual({ feasible: true, issues: [] });
    expect(plan.solver.status).toBe('optimal');
    // The battery and generator together beat doing nothing on this day of time-of-use prices.
    expect(plan.savings).toBeGreaterThan(0);
    expect(plan.recommendations.every((rec) => rec.reason.length > 20)).toBe(true);
    const assets = plan.recommendations.map((rec) => rec.asset);
    expect(assets).toContain('bess-1');
    expect(assets).toContain('chp-1');
    // Deferrable EV charging gets all its energy inside its window.
    const evKwh = plan.steps.slice(0, 8).reduce((a, p) => a + p.deferrableKw, 0) * (plan.stepMinutes / 60);
    expect(evKwh).toBeCloseTo(1200, 4);
  });

  it('refuses a broken scenario with exit code 2 and every problem by path', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, ['site: x', 'start: yesterday', 'forecasts: { load: { p10Kw: [1], p50Kw: [1, 2], p90Kw: [1, 2] } }', 'grid: { importLimitKw: -5, exportLimitKw: 0, importPricePerKwh: 0.2 }', ''].join('\n'));
    const r = await runCli(['dispatch', '--scenario', broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`scenario '${broken}' is invalid`);
    expect(r.stderr).toMatch(/- start: /);
    expect(r.stderr).toMatch(/- grid\.importLimitKw: /);
    expect(r.stderr).toContain('- forecasts.load.p10Kw: has 1 values; the load forecast has 2 steps');
  });
});
