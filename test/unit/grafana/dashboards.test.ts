import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/schema';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { API_DS, DASHBOARDS, INFLUX_DS, SCHEMA_VERSION, dashboardJson } from '../../../grafana/src/index.js';
import { ALERTS, alertProvisioning, alertsYaml } from '../../../grafana/src/alerts.js';
import { FORECAST_ERROR_FIELDS, INGEST_STATS_FIELDS, M } from '../../../grafana/src/measurements.js';
import { allPanels, expand, formatInterval, intervalMs, roundInterval, type ExpandContext } from '../../support/grafanaMacros.js';

/**
 * The dashboards as Grafana will load them. @grafana/schema ships TypeScript types but no JSON schema, so
 * the sources are type-checked (`satisfies Dashboard`, tsc) and the emitted JSON is checked here against a
 * zod schema of what Grafana requires of a dashboard, plus the consistency Grafana can't check for us.
 */
const DIR = fileURLToPath(new URL('../../../grafana/dashboards/', import.meta.url));

const gridPos = z.strictObject({ x: z.number().int().min(0).max(23), y: z.number().int().min(0), w: z.number().int().min(1).max(24), h: z.number().int().min(1) });
const datasourceRef = z.strictObject({ type: z.string(), uid: z.string() });
const ref = (ds: { type: string; uid: string }) => z.strictObject({ type: z.literal(ds.type), uid: z.literal(ds.uid) });
const influxTarget = z.strictObject({
  refId: z.string().regex(/^[A-Z]$/),
  datasource: ref(INFLUX_DS),
  query: z.string().regex(/^(SELECT|SHOW) /),
  rawQuery: z.literal(true),
  resultFormat: z.enum(['time_series', 'table']),
  alias: z.string().optional(),
});
const infinityTarget = z.strictObject({
  refId: z.string().regex(/^[A-Z]$/),
  datasource: ref(API_DS),
  type: z.enum(['json', 'csv']),
  source: z.literal('url'),
  parser: z.literal('backend'),
  format: z.literal('table'),
  url: z.string().regex(/^\/api\/v1\/([a-z/]|\$\{\w+:percentencode\})+(\?.*)?$/),
  url_options: z.strictObject({ method: z.literal('GET'), data: z.literal(''), headers: z.array(z.strictObject({ key: z.string(), value: z.string() })) }),
  root_selector: z.string(),
  columns: z.array(z.strictObject({ selector: z.string().min(1), text: z.string().min(1), type: z.enum(['string', 'number', 'timestamp', 'boolean']) })).min(1),
});
const override = z.strictObject({
  matcher: z.strictObject({ id: z.enum(['byName', 'byRegexp']), options: z.string() }),
  properties: z.array(z.strictObject({ id: z.string(), value: z.unknown() })).min(1),
});
const panel = z.strictObject({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'table', 'stat', 'barchart']),
  title: z.string().min(1),
  description: z.string().min(1),
  gridPos,
  datasource: datasourceRef,
  targets: z.array(z.union([influxTarget, infinityTarget])).min(1),
  fieldConfig: z.strictObject({ defaults: z.record(z.string(), z.unknown()), overrides: z.array(override) }),
  options: z.record(z.string(), z.unknown()),
  transformations: z.array(z.strictObject({ id: z.string(), options: z.record(z.string(), z.unknown()) })).optional(),
  repeat: z.string().optional(),
  repeatDirection: z.enum(['h', 'v']).optional(),
  interval: z.string().optional(),
});
const rowPanel = z.strictObject({ id: z.number().int().positive(), type: z.literal('row'), title: z.string().min(1), collapsed: z.literal(false), panels: z.array(z.never()), gridPos });
const variable = z.strictObject({
  type: z.enum(['query', 'custom']),
  name: z.string().regex(/^[a-z_]+$/),
  label: z.string(),
  description: z.string(),
  datasource: z.union([ref(INFLUX_DS), ref(API_DS)]).optional(),
  // InfluxQL text, or the Infinity plugin's variable query (queryType infinity) around a panel-style query.
  query: z.union([z.string(), z.strictObject({ queryType: z.literal('infinity'), query: z.literal(''), infinityQuery: infinityTarget })]),
  refresh: z.number().optional(),
  sort: z.number().optional(),
  multi: z.boolean(),
  includeAll: z.boolean(),
  allValue: z.string().optional(),
  current: z.strictObject({ text: z.string(), value: z.string(), selected: z.boolean() }).optional(),
  options: z.array(z.strictObject({ text: z.string(), value: z.string(), selected: z.boolean() })).optional(),
  hide: z.number(),
});
const dashboardSchema = z.strictObject({
  uid: z.string().regex(/^[a-z0-9-]{8,40}$/),
  title: z.string().min(1),
  description: z.string(),
  tags: z.array(z.string()),
  editable: z.boolean(),
  graphTooltip: z.number(),
  schemaVersion: z.literal(SCHEMA_VERSION),
  time: z.strictObject({ from: z.string().regex(/^now([+-]\d+[smhdwy])?$/), to: z.string().regex(/^now([+-]\d+[smhdwy])?$/) }),
  timezone: z.string(),
  refresh: z.string().regex(/^\d+[smh]$/),
  templating: z.strictObject({ list: z.array(variable) }),
  annotations: z.strictObject({ list: z.array(z.unknown()) }),
  panels: z.array(z.union([panel, rowPanel])).min(1),
});

/** The text of a variable's query: InfluxQL, or the URL of an Infinity variable query. */
const variableText = (v: z.infer<typeof variable>): string => (typeof v.query === 'string' ? v.query : v.query.infinityQuery.url);

/** Variables Grafana itself provides to queries and titles. */
const BUILT_INS = new Set(['timeFilter', '__timeFilter', '__interval', '__interval_ms', 'interval', '__from', '__to', 'col']);

describe('Grafana dashboards (grafana/src → grafana/dashboards)', () => {
  it('the committed JSON is exactly what `npm run dashboards` emits, and nothing else is there', async () => {
    for (const { file, dashboard } of DASHBOARDS) expect(await readFile(DIR + file, 'utf8'), `${file}: run npm run dashboards`).toBe(dashboardJson(dashboard));
    expect((await readdir(DIR)).sort()).toEqual(DASHBOARDS.map((d) => d.file).sort());
  });

  describe.each(DASHBOARDS.map((d) => [d.file, d.dashboard] as const))('%s', (_file, dashboard: Dashboard) => {
    const json: unknown = JSON.parse(dashboardJson(dashboard));
    const d = dashboardSchema.parse(json);
    const panels = d.panels.filter((p): p is z.infer<typeof panel> => p.type !== 'row');
    const names = d.templating.list.map((v) => v.name);

    it('validates against the dashboard schema, with the schemaVersion of the pinned Grafana', () => {
      expect(dashboardSchema.safeParse(json).success).toBe(true);
      expect(d.schemaVersion).toBe(SCHEMA_VERSION);
      expect(allPanels(dashboard).length).toBe(panels.length);
    });

    it('has unique panel ids and refIds, and panels that fit the 24-column grid without overlapping', () => {
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      const cells = new Set<string>();
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
      for (const p of panels) {
        const refIds = p.targets.map((t) => t.refId);
        expect(new Set(refIds).size, p.title).toBe(refIds.length);
        // The panel datasource is its queries' (no mixed panels).
        expect(p.targets.every((t) => t.datasource.uid === p.datasource.uid), p.title).toBe(true);
      }
    });

    it('uses only variables it defines (or Grafana built-ins), and repeats only over multi-value variables', () => {
      expect(new Set(names).size).toBe(names.length);
      const texts = [
        ...panels.flatMap((p) => [p.title, p.description, ...p.targets.map((t) => ('query' in t ? t.query : t.url))]),
        ...d.templating.list.map(variableText),
        ...d.panels.filter((p) => p.type === 'row').map((p) => p.title),
      ];
      for (const text of texts) {
        for (const m of text.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g)) {
          const name = m[1] ?? m[2]!;
          if (!BUILT_INS.has(name) && !name.startsWith('tag_')) expect(names, `$${name} in: ${text}`).toContain(name);
        }
      }
      // A variable may only use variables defined before it (Grafana resolves them in order).
      d.templating.list.forEach((v, i) => {
        for (const m of variableText(v).matchAll(/\$(\w+)/g)) expect(names.slice(0, i), `${v.name} uses $${m[1]}`).toContain(m[1]);
      });
      for (const p of panels.filter((x) => x.repeat)) expect(d.templating.list.find((v) => v.name === p.repeat)?.multi, p.title).toBe(true);
    });

    it('queries only measurements gridcast writes, and every InfluxQL query expands completely', () => {
      const known = new Set<string>(Object.values(M));
      const ctx: ExpandContext = {
        fromMs: 0,
        toMs: 3_600_000,
        intervalMs: 60_000,
        dialect: 'influxql',
        vars: Object.fromEntries(d.templating.list.map((v) => [v.name, { values: ['x'], variable: v }])),
      };
      for (const p of panels) {
        for (const t of p.targets) {
          if (!('query' in t)) continue;
          for (const m of t.query.matchAll(/FROM "(\w+)"/g)) expect(known, p.title).toContain(m[1]);
          expect(() => expand(t.query, ctx), p.title).not.toThrow();
        }
      }
    });
  });

  it('queries every ingest_stats field and the forecast_error fields the forecast job is asked to write', () => {
    const queries = DASHBOARDS.flatMap((d) => allPanels(d.dashboard).flatMap((p) => (p.targets ?? []).map((t) => String(t.query ?? ''))));
    const ingest = queries.filter((q) => q.includes(`"${M.ingestStats}"`)).join(' ');
    for (const field of INGEST_STATS_FIELDS.filter((f) => !['messages_total', 'spooled_total', 'replayed_total'].includes(f))) expect(ingest, field).toContain(`"${field}"`);
    const accuracy = queries.filter((q) => q.includes(`"${M.forecastError}"`)).join(' ');
    for (const field of ['abs_error_kw', 'ape_pct', 'error_kw', 'in_band'] as const) {
      expect(FORECAST_ERROR_FIELDS).toContain(field);
      expect(accuracy, field).toContain(`"${field}"`);
    }
  });
});

describe('alert rules (grafana/src/alerts.ts → grafana/provisioning/alerting/gridcast.yaml)', () => {
  it('the committed YAML is exactly what `npm run dashboards` emits', async () => {
    expect(await readFile(fileURLToPath(new URL('../../../grafana/provisioning/alerting/gridcast.yaml', import.meta.url)), 'utf8'), 'run npm run dashboards').toBe(alertsYaml());
  });

  it('has the shape of Grafana alerting file provisioning: apiVersion 1, groups of rules with unique uids, a query and a threshold on it', () => {
    const rule = z.strictObject({
      uid: z.string().regex(/^[a-z0-9-]{1,40}$/),
      title: z.string().min(1),
      condition: z.literal('B'),
      data: z.tuple([
        z.strictObject({ refId: z.literal('A'), relativeTimeRange: z.strictObject({ from: z.number(), to: z.number() }), datasourceUid: z.literal(API_DS.uid), model: infinityTarget.extend({ intervalMs: z.number(), maxDataPoints: z.number() }) }),
        z.strictObject({
          refId: z.literal('B'),
          relativeTimeRange: z.strictObject({ from: z.number(), to: z.number() }),
          datasourceUid: z.literal('__expr__'),
          model: z.strictObject({ refId: z.literal('B'), type: z.literal('threshold'), datasource: z.strictObject({ type: z.literal('__expr__'), uid: z.literal('__expr__') }), expression: z.literal('A'), conditions: z.array(z.strictObject({ evaluator: z.strictObject({ type: z.literal('gt'), params: z.tuple([z.number()]) }) })).length(1) }),
        }),
      ]),
      noDataState: z.enum(['OK', 'NoData', 'Alerting']),
      execErrState: z.enum(['OK', 'Error', 'Alerting']),
      for: z.string().regex(/^\d+[smh]$/),
      annotations: z.strictObject({ summary: z.string().min(1), description: z.string().min(1), runbook: z.string() }),
      labels: z.record(z.string(), z.string()),
      isPaused: z.boolean(),
    });
    const parsed = z.strictObject({ apiVersion: z.literal(1), groups: z.array(z.strictObject({ orgId: z.number(), name: z.string(), folder: z.string(), interval: z.string().regex(/^\d+[smh]$/), rules: z.array(rule).min(1) })) }).parse(alertProvisioning);
    const uids = parsed.groups.flatMap((g) => g.rules.map((r) => r.uid));
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.length).toBe(ALERTS.length);
    for (const a of ALERTS) expect(a.query.columns.filter((c) => c.type === 'number').map((c) => c.selector), a.uid).toEqual([a.value]);
  });
});

describe('macro expansion used by the query tests (Grafana semantics)', () => {
  const v = (values: string[], o: { all?: boolean; allValue?: string; multi?: boolean; includeAll?: boolean } = {}) => ({
    values,
    all: o.all,
    variable: { name: 'x', multi: o.multi ?? false, includeAll: o.includeAll ?? o.all ?? false, allValue: o.allValue },
  });
  const ctx = (vars: ExpandContext['vars'], dialect: ExpandContext['dialect'] = 'influxql'): ExpandContext => ({ fromMs: 1000, toMs: 7_201_000, intervalMs: 300_000, dialect, vars });

  it('renders $timeFilter, $__interval and $__interval_ms as Grafana does', () => {
    expect(expand('WHERE $timeFilter GROUP BY time($__interval) * 1000 / $__interval_ms', ctx({}))).toBe('WHERE time >= 1000ms and time <= 7201000ms GROUP BY time(5m) * 1000 / 300000');
    expect(expand('$__timeFilter', ctx({}))).toBe('time >= 1000ms and time <= 7201000ms');
    expect(roundInterval(259_200)).toBe(300_000);
    expect(roundInterval(1080)).toBe(1000);
    expect(formatInterval(1000)).toBe('1s');
    expect(formatInterval(1_800_000)).toBe('30m');
    expect(intervalMs(0, 72 * 3_600_000, 1000)).toBe(300_000);
    expect(intervalMs(0, 3_600_000, 1000, '10s')).toBe(10_000);
  });

  it('formats variables: regex-escaped by default, raw, percent-encoded, custom All values and multi-value alternations', () => {
    expect(expand('"site" =~ /^$site$/', ctx({ site: v(['a.b']) }))).toBe('"site" =~ /^a\\.b$/');
    expect(expand("'${feeder:raw}' = 'all'", ctx({ feeder: v(['f1', 'f2'], { all: true, allValue: 'all' }) }))).toBe("'all' = 'all'");
    expect(expand('/^$target$/', ctx({ target: v(['load', 'pv'], { all: true, multi: true }) }))).toBe('/^(load|pv)$/');
    expect(expand('?site=${site:percentencode}', ctx({ site: v(['a b']) }, 'url'))).toBe('?site=a%20b');
    expect(() => expand('$nope', ctx({}))).toThrow(/unknown variable/);
    expect(() => expand('${site:json}', ctx({ site: v(['a']) }))).toThrow(/not supported/);
  });
});
