import type { Dashboard } from '@grafana/schema';
import { forecastAccuracy } from './dashboards/forecastAccuracy.js';
import { ingestionHealth } from './dashboards/ingestionHealth.js';
import { operatorOverview } from './dashboards/operatorOverview.js';

export { API_DS, GRAFANA_IMAGE, INFINITY_PLUGIN, INFLUX_DS, SCHEMA_VERSION } from './grafana.js';

/** Every provisioned dashboard and the file it is emitted to (grafana/dashboards/, read by Grafana's file provider). */
export const DASHBOARDS: readonly { file: string; dashboard: Dashboard }[] = [
  { file: 'operator-overview.json', dashboard: operatorOverview },
  { file: 'forecast-accuracy.json', dashboard: forecastAccuracy },
  { file: 'ingestion-health.json', dashboard: ingestionHealth },
];

/** The JSON exactly as committed: 2-space indent and a final newline. */
export function dashboardJson(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
