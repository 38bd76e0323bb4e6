import { CONFIG_KEYS } from './schema.js';

/** The config table of docs/configuration.md, generated from the schema so the two can't drift (a test compares them). */
export function configReferenceMarkdown(): string {
  const rows = Object.entries(CONFIG_KEYS).map(
    ([key, spec]) => `| \`${key}\` | ${spec.defaultText} | ${spec.allowed} | ${spec.description.replace(/\|/g, '\\|')} |`,
  );
  return ['| Variable | Default | Allowed | What it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
