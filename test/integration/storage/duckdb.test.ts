import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/common/logger.js';
import { openDuckDbStores } from '../../../src/storage/index.js';
import { describeStoreContracts } from './contract/index.js';

describeStoreContracts('DuckDB', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gridcast-duckdb-'));
  const path = join(dir, 'nested', 'telemetry.duckdb'); // the store creates missing parent directories
  return {
    stores: openDuckDbStores({ path }, silentLogger),
    reopen: async () => openDuckDbStores({ path }, silentLogger),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
