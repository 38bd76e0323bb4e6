import type { Reporter, TestModule } from 'vitest/node';

export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** Full names of the tests that did not run, for the closing lines. */
  skippedTests: string[];
  /** Hooks (beforeAll/afterAll) and files that failed outside any test. */
  hookFailures: string[];
}

/**
 * Counts a run the way CI should read it. A failing beforeAll/afterAll inside a describe leaves its tests
 * "skipped" and no test "failed", so each suite or file with errors of its own counts as one failure; a file
 * that could not even load and every unhandled error count too, so a broken suite never reads as green.
 */
export function countRun(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0, skippedTests: [], hookFailures: [] };
  for (const mod of testModules) {
    let tests = 0;
    for (const test of mod.children.allTests()) {
      tests++;
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') counts.failed++;
      else {
        counts.skipped++;
        counts.skippedTests.push(`${mod.relativeModuleId} > ${test.fullName}`);
      }
    }
    for (const suite of mod.children.allSuites()) {
      for (const err of suite.errors()) counts.hookFailures.push(`${mod.relativeModuleId} > ${suite.fullName}: ${err.message}`);
    }
    const moduleErrors = mod.errors();
    for (const err of moduleErrors) counts.hookFailures.push(`${mod.relativeModuleId}: ${err.message}`);
    // A file that failed with no test and no error of its own (e.g. nothing collected) still fails the run.
    if (mod.state() === 'failed' && tests === 0 && moduleErrors.length === 0) counts.hookFailures.push(`${mod.relativeModuleId}: failed without running a test`);
  }
  counts.failed += counts.hookFailures.length + unhandledErrors.length;
  return counts;
}

/** The closing lines: skipped tests and failed hooks by name, then `N passed, N failed[, N skipped]` last. */
export function closingLines(c: RunCounts): string {
  const lines = [
    ...c.skippedTests.map((t) => `skipped: ${t}`),
    ...c.hookFailures.map((h) => `failed outside a test: ${h}`),
    `${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`,
  ];
  return `\n${lines.join('\n')}\n`;
}

/** CI reads one plain line, `N passed, N failed`, at the very end of the run. */
export default class CountReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts = countRun(testModules, unhandledErrors);
    // Printed after vitest's own summary so it is the last line of `npm test`.
    process.on('exit', () => {
      process.stdout.write(closingLines(counts));
    });
  }
}
