#!/usr/bin/env node
// Rewrites the config table in docs/configuration.md from the schema (`gridcast config --reference`). `npm run docs:config`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const file = `${root}docs/configuration.md`;
const table = execFileSync(process.execPath, [`${root}bin/gridcast.js`, 'config', '--reference'], { encoding: 'utf8' }).trim();
const doc = readFileSync(file, 'utf8');
const start = doc.indexOf('| Variable | Default | Allowed | What it does |');
if (start < 0) throw new Error('docs/configuration.md has no config table to replace');
let end = doc.indexOf('\n\n', start);
if (end < 0) end = doc.trimEnd().length;
writeFileSync(file, `${doc.slice(0, start)}${table}${doc.slice(end)}`);
console.log('docs/configuration.md config table updated');
