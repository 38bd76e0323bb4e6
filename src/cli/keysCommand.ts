import { Command, Option } from 'commander';
import { ApiKeyFile, SCOPES, type Scope } from '../api/index.js';
import { loadConfig } from '../config/index.js';

/** `gridcast keys create|list|revoke`: API keys in API_KEYS_FILE (hashes only; a new key is printed once). */
export function addKeysCommand(program: Command, configEnv: () => NodeJS.ProcessEnv): void {
  const keys = program.command('keys').description('API keys: create (printed once), list, revoke; stored hashed in API_KEYS_FILE');
  const file = () => new ApiKeyFile(loadConfig(configEnv()).api.keysFile);

  keys
    .command('create')
    .description('Create a key and print it once (stdout); only its SHA-256 is stored')
    .addOption(new Option('--scope <scope>', 'read (telemetry, forecasts, plans, models), operate (also run forecasts and dispatch), admin (also promote, roll back, train)').choices([...SCOPES]).makeOptionMandatory())
    .requiredOption('--name <name>', 'who uses it, e.g. grafana (1–64 characters of A–Z a–z 0–9 _ . -)')
    .action(async (o: { scope: Scope; name: string }) => {
      const f = file();
      const { record, key } = await f.create(o.name, o.scope);
      process.stderr.write(`created key ${record.id} '${record.name}' with scope ${record.scope} in ${f.path}. It is shown only now:\n`);
      process.stdout.write(`${key}\n`);
    });

  keys
    .command('list')
    .description('Every key: id, name, scope, first characters, created, revoked (one JSON object per line)')
    .action(async () => {
      const f = file();
      const all = await f.list();
      if (all.length === 0) process.stderr.write(`no keys in ${f.path} yet: gridcast keys create --scope read --name <who>\n`);
      for (const k of all) process.stdout.write(`${JSON.stringify({ id: k.id, name: k.name, scope: k.scope, prefix: k.prefix, createdAt: k.createdAt, revokedAt: k.revokedAt })}\n`);
    });

  keys
    .command('revoke <id>')
    .description('Revoke a key by id (a running server refuses it within a second)')
    .action(async (id: string) => {
      const record = await file().revoke(id);
      process.stdout.write(`revoked ${record.id} '${record.name}' (${record.scope}) at ${record.revokedAt}\n`);
    });
}
