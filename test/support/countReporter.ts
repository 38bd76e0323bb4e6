import type { Reporter, TestModule } from 'vitest/node';

/**
 * CI reads one plain line, `N passed, N failed`, at the very end of the run. A test file that could
 * not even load, and any unhandled error, counts as a failure so a broken suite never reads as green.
 */
export default class CountReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let tests = 0;
      for (const test of mod.children.allTests()) {
        tests++;
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (mod.state() === 'failed' && (tests === 0 || mod.errors().length > 0)) failed++;
    }
    failed += unhandledErrors.length;
    // Printed after vitest's own summary so it is the last line of `npm test`.
    process.on('exit', () => {
      process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    });
  }
}
