import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/common/logger.js';
import { DuckDbTelemetryStore } from '../../src/storage/index.js';
import { describeStoreContract } from './storeContract.js';

describeStoreContract('DuckDB', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gridcast-duckdb-'));
  const path = join(dir, 'nested', 'telemetry.duckdb'); // the store creates missing parent directories
  return {
    store: new DuckDbTelemetryStore({ path }, silentLogger),
    reopen: async () => new DuckDbTelemetryStore({ path }, silentLogger),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
