#!/usr/bin/env node
// The npm registry mirror these machines use serves only the linux-x64 builds of @duckdb/node-bindings,
// so `npm install` leaves the other platforms' optional packages out of package-lock.json, and `npm ci`
// then refuses the lock as out of sync. This adds them back as optional, platform-restricted entries
// (npm ci skips them on other platforms without fetching). Run it after `npm install` changes the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const bindings = lock.packages['node_modules/@duckdb/node-bindings'];
if (!bindings) throw new Error('@duckdb/node-bindings is not in package-lock.json');
let added = 0;
for (const [name, version] of Object.entries(bindings.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const m = /node-bindings-(darwin|linux|win32)-(x64|arm64)(-musl)?$/.exec(name);
  if (!m) throw new Error(`unexpected optional dependency ${name}`);
  lock.packages[key] = {
    version,
    cpu: [m[2]],
    ...(m[1] === 'linux' ? { libc: [m[3] ? 'musl' : 'glibc'] } : {}),
    license: 'MIT',
    optional: true,
    os: [m[1]],
  };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} platform entries for @duckdb/node-bindings`);
