import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startVitest, type TestModule } from 'vitest/node';
import { closingLines, countRun, type RunCounts } from '../../support/countReporter.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs the fixture file with a real vitest and counts its result the way CI's closing line does. */
async function countFixture(): Promise<RunCounts> {
  let counts: RunCounts | undefined;
  const exitCode = process.exitCode;
  const vitest = await startVitest('test', [], {
    root: ROOT,
    config: false,
    include: ['test/fixtures/reporter/hookFailures.fixture.ts'],
    watch: false,
    reporters: [{ onTestRunEnd: (mods: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>) => void (counts = countRun(mods, errors)) }],
  });
  await vitest.close();
  process.exitCode = exitCode; // the fixture fails on purpose; this run's status is the outer one's
  if (!counts) throw new Error('the fixture run ended without a result');
  return counts;
}

describe('CountReporter (CI closing line)', () => {
  it('counts failing beforeAll/afterAll hooks inside a describe as failures and names the skipped tests', async () => {
    const c = await countFixture();
    // 2 tests pass; 1 test fails; the two hooks fail; 3 tests did not run (2 behind the beforeAll, 1 skip).
    expect({ passed: c.passed, failed: c.failed, skipped: c.skipped }).toEqual({ passed: 2, failed: 3, skipped: 3 });
    expect(c.hookFailures.map((h) => h.replace(/^.*> /, ''))).toEqual([
      'a describe whose beforeAll fails: service did not start',
      'a describe whose afterAll fails: cleanup failed',
    ]);
    expect(c.skippedTests.map((t) => t.replace(/^.*\.fixture\.ts > /, '')).sort()).toEqual([
      'a describe whose beforeAll fails > never runs (1)',
      'a describe whose beforeAll fails > never runs (2)',
      'plain > is skipped on purpose',
    ]);
    const lines = closingLines(c).trim().split('\n');
    expect(lines.at(-1)).toBe('2 passed, 3 failed, 3 skipped');
    expect(lines.filter((l) => l.startsWith('skipped: '))).toHaveLength(3);
  }, 60_000);
});
