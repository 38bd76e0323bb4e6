import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS, dashboardJson } from './index.js';

/**
 * `npm run dashboards`: writes every dashboard of index.ts to grafana/dashboards/*.json (and removes JSON
 * files no dashboard produces any more). `--check` writes nothing and exits 1 if a file is out of date.
 */
const OUT = fileURLToPath(new URL('../dashboards/', import.meta.url));

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  await mkdir(OUT, { recursive: true });
  const stale: string[] = [];
  for (const { file, dashboard } of DASHBOARDS) {
    const json = dashboardJson(dashboard);
    const current = await readFile(OUT + file, 'utf8').catch(() => undefined);
    if (current === json) continue;
    stale.push(file);
    if (!check) await writeFile(OUT + file, json);
  }
  const known = new Set(DASHBOARDS.map((d) => d.file));
  for (const file of (await readdir(OUT)).filter((f) => f.endsWith('.json') && !known.has(f))) {
    stale.push(file);
    if (!check) await unlink(OUT + file);
  }
  if (check && stale.length > 0) {
    console.error(`grafana/dashboards is out of date (${stale.join(', ')}): run npm run dashboards`);
    process.exitCode = 1;
    return;
  }
  console.log(stale.length ? `updated ${stale.join(', ')}` : 'grafana/dashboards is up to date');
}

await main();
