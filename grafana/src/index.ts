import type { Dashboard } from '@grafana/schema';
import { forecastAccuracy } from './dashboards/forecastAccuracy.js';
import { ingestionHealth } from './dashboards/ingestionHealth.js';
import { ingestionHealthApi } from './dashboards/ingestionHealthApi.js';
import { operatorOverview } from './dashboards/operatorOverview.js';
import { operatorOverviewApi } from './dashboards/operatorOverviewApi.js';

export { API_DS, GRAFANA_IMAGE, INFINITY_PLUGIN, INFLUX_DS, SCHEMA_VERSION } from './grafana.js';

/** Every provisioned dashboard and the file it is emitted to (grafana/dashboards/, read by Grafana's file provider). */
export const DASHBOARDS: readonly { file: string; dashboard: Dashboard }[] = [
  { file: 'operator-overview.json', dashboard: operatorOverview },
  { file: 'forecast-accuracy.json', dashboard: forecastAccuracy },
  { file: 'ingestion-health.json', dashboard: ingestionHealth },
  // The same two through the API (Infinity): for the DuckDB store, and any other.
  { file: 'operator-overview-api.json', dashboard: operatorOverviewApi },
  { file: 'ingestion-health-api.json', dashboard: ingestionHealthApi },
];

/** The JSON exactly as committed: 2-space indent and a final newline. */
export function dashboardJson(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
