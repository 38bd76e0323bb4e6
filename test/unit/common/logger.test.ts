import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveLogFormat } from '../../../src/common/logger.js';

const LOGGER = fileURLToPath(new URL('../../../src/common/logger.ts', import.meta.url));

/** What a process that logs one line with this format writes (stdout is a pipe here, as under a collector). */
function logOnce(format: string): string {
  const script = `const { createLogger } = await import(${JSON.stringify(LOGGER)}); createLogger('info', ${JSON.stringify(format)}).info({ site: 'demo-site' }, 'forecast issued');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('log format', () => {
  it('auto is pretty at a terminal and JSON otherwise; an explicit format wins', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('pretty writes a readable line, json one JSON object per line', () => {
    const pretty = logOnce('pretty');
    expect(pretty).toMatch(/INFO.*forecast issued/);
    expect(pretty).toContain('"site":"demo-site"');
    expect(() => JSON.parse(pretty)).toThrow();
    const json = JSON.parse(logOnce('auto')) as { msg: string; site: string; level: number };
    expect(json).toMatchObject({ msg: 'forecast issued', site: 'demo-site', level: 30 });
  }, 30_000);
});
