import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { alertsYaml } from './alerts.js';
import { DASHBOARDS, dashboardJson } from './index.js';

/**
 * `npm run dashboards`: writes every dashboard of index.ts to grafana/dashboards/*.json and the alert rules of
 * alerts.ts to grafana/provisioning/alerting/gridcast.yaml (and removes JSON
 * files no dashboard produces any more). `--check` writes nothing and exits 1 if a file is out of date.
 */
const OUT = fileURLToPath(new URL('../dashboards/', import.meta.url));
/** The alert rules (alerts.ts), read by Grafana's alerting file provisioning. */
export const ALERTS_FILE = fileURLToPath(new URL('../provisioning/alerting/gridcast.yaml', import.meta.url));

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
  const alerts = alertsYaml();
  if ((await readFile(ALERTS_FILE, 'utf8').catch(() => undefined)) !== alerts) {
    stale.push('provisioning/alerting/gridcast.yaml');
    if (!check) {
      await mkdir(new URL('../provisioning/alerting/', import.meta.url), { recursive: true });
      await writeFile(ALERTS_FILE, alerts);
    }
  }
  if (check && stale.length > 0) {
    console.error(`grafana/dashboards or the alert rules are out of date (${stale.join(', ')}): run npm run dashboards`);
    process.exitCode = 1;
    return;
  }
  console.log(stale.length ? `updated ${stale.join(', ')}` : 'grafana/dashboards is up to date');
}

await main();
