#!/usr/bin/env node
// Rewrites the config table in README.md from the schema (`gridcast config --reference`). `npm run docs:config`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const table = execFileSync(process.execPath, [`${root}bin/gridcast.js`, 'config', '--reference'], { encoding: 'utf8' }).trim();
const readme = readFileSync(`${root}README.md`, 'utf8');
const start = readme.indexOf('| Variable | Default | Allowed | What it does |');
if (start < 0) throw new Error('README.md has no config table to replace');
let end = readme.indexOf('\n\n', start);
if (end < 0) end = readme.length;
writeFileSync(`${root}README.md`, `${readme.slice(0, start)}${table}${readme.slice(end)}`);
console.log('README.md config table updated');
