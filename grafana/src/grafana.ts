import type { DataSourceRef } from '@grafana/schema';

/**
 * The Grafana the dashboards are written for. docker-compose.yml pins this image and
 * test/unit/grafanaDashboards.test.ts checks that the two agree.
 */
export const GRAFANA_IMAGE = 'grafana/grafana:12.2.8';
/** Dashboard JSON schema version of that release: 41 for Grafana 12.0–12.1, 42 from 12.2. */
export const SCHEMA_VERSION = 42;
/** Infinity (JSON/CSV over HTTP), preinstalled by docker-compose.yml; 3.x needs Grafana ≥ 11.6. */
export const INFINITY_PLUGIN = 'yesoreyeram-infinity-datasource@3.10.1';

/** Fixed datasource uids (grafana/provisioning/datasources/gridcast.yaml), so the dashboards never depend on names. */
export const INFLUX_DS = { type: 'influxdb', uid: 'gridcast-influxdb' } as const satisfies DataSourceRef;
export const API_DS = { type: 'yesoreyeram-infinity-datasource', uid: 'gridcast-api' } as const satisfies DataSourceRef;
