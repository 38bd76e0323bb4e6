export type StoreEngine = 'influxdb' | 'duckdb';

export interface StoreHealth {
  ok: boolean;
  engine: StoreEngine;
  version?: string;
  error?: string;
}
