import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { PROBLEM_KINDS } from './problem.js';
import { API_PREFIX, KEY_SECURITY } from './route.js';
import { z } from './zod.js';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** package.json's `license` (SPDX); a test keeps the two the same. */
export const PROJECT_LICENSE_SPDX = 'Apache-2.0';
/** No key: an empty security requirement, as OpenAPI spells "public" when the document's default needs one. */
export const PUBLIC_SECURITY: [] = [];

export function createOpenApiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerKey', { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key> (gridcast keys create).' });
  registry.registerComponent('securitySchemes', 'headerKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  const text = (description: string) => ({ description, content: { 'text/plain': { schema: z.string() } } });
  registry.registerPath({ method: 'get', path: '/health', operationId: 'getHealth', security: PUBLIC_SECURITY, tags: ['operations'], summary: 'Liveness (no key needed)', responses: { 200: { description: 'Alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok'), uptimeSeconds: z.number() }) } } } } });
  registry.registerPath({
    method: 'get',
    path: '/ready',
    operationId: 'getReadiness',
    security: PUBLIC_SECURITY,
    tags: ['operations'],
    summary: 'Readiness: broker connected, store reachable (no key needed)',
    responses: {
      200: { description: 'Ready', content: { 'application/json': { schema: z.object({ status: z.string(), checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })) }) } } },
      503: { description: 'Not ready (same body)' },
    },
  });
  registry.registerPath({ method: 'get', path: '/metrics', operationId: 'getMetrics', tags: ['operations'], summary: 'Prometheus metrics (read key, unless METRICS_PUBLIC=true)', security: KEY_SECURITY, responses: { 200: text('Prometheus text format') } });
  return registry;
}

export function generateOpenApi(registry: OpenAPIRegistry): OpenApiDocument {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'gridcast API',
      version: '1',
      description:
        'Forecasts, dispatch plans, telemetry and models of a gridcast installation. Every endpoint except /health, /ready and the ' +
        'documents (tag docs: they describe, they hold no data) needs an API key ' +
        '(scopes read ⊂ operate ⊂ admin). Times are ISO-8601 UTC; units are in field names. Errors are application/problem+json. ' +
        'List and series endpoints answer CSV with Accept: text/csv.',
      license: { name: 'Apache License 2.0', identifier: PROJECT_LICENSE_SPDX },
    },
    servers: [{ url: '/' }],
    // A key unless an operation says otherwise (security: []), so a route added without thought is documented as protected.
    security: KEY_SECURITY,
  });
}

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: { default?: unknown; description?: string } }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

/** A plain HTML page rendered from the OpenAPI document: no scripts, no CDN. `links`: the other documents. */
export function docsHtml(doc: OpenApiDocument, links: { href: string; label: string }[]): string {
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, raw] of Object.entries(item as Record<string, Operation>)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const op = raw;
      const params = (op.parameters ?? [])
        .map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${p.schema?.default !== undefined ? `<code>${esc(p.schema.default)}</code>` : ''}</td><td>${esc(p.description ?? p.schema?.description ?? '')}</td></tr>`)
        .join('');
      const body = op.requestBody?.content?.['application/json']?.schema;
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><b>${esc(status)}</b> ${esc(r.description ?? '')} <small>${esc(Object.keys(r.content ?? {}).join(', '))}</small>${schemaRef(r.content?.['application/json']?.schema)}</li>`)
        .join('');
      ops.push(
        `<section><h3 id="${esc(`${method}-${path}`)}"><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3><p>${esc(op.summary ?? '')}</p>` +
          `${op.description ? `<p>${esc(op.description).replace(/`([^`]+)`/g, '<code>$1</code>').replace(/\n\n/g, '</p><p>')}</p>` : ''}` +
          `${params ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>default</th><th>description</th></tr>${params}</table>` : ''}` +
          `${body ? `<p>Body (JSON):</p><pre>${esc(JSON.stringify(body, null, 2))}</pre>` : ''}<ul>${responses}</ul></section>`,
      );
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(([name, s]) => `<section><h3 id="schema-${esc(name)}">${esc(name)}</h3><pre>${esc(JSON.stringify(s, null, 2))}</pre></section>`)
    .join('');
  const problems = Object.entries(PROBLEM_KINDS)
    .map(([kind, p]) => `<tr id="problem-${esc(kind)}"><td><code>${esc(kind)}</code></td><td>${p.status}</td><td>${esc(p.title)}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>gridcast API</title><style>
body{font:14px/1.45 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1b1f24}
code,pre{font-family:ui-monospace,monospace;font-size:12.5px}pre{background:#f4f6f8;padding:.6em;overflow:auto;max-height:24em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
.m{display:inline-block;min-width:3.5em;font-weight:600;color:#0a5}section{border-top:1px solid #eee;padding-top:.3em}
</style></head><body><h1>gridcast API v1</h1><p>${esc(doc.info.description ?? '')}</p>
<p>${links.map((l) => `<a href="${esc(l.href)}">${esc(l.label)}</a>`).join(' · ')}. These documents need no key.</p>
<h2>Authentication</h2><p>Send <code>Authorization: Bearer &lt;key&gt;</code> or <code>X-API-Key: &lt;key&gt;</code>. Create keys with
<code>gridcast keys create --scope read|operate|admin --name &lt;who&gt;</code>. Scopes: <b>read</b> (telemetry, forecasts, plans, models),
<b>operate</b> (also run forecasts and dispatch), <b>admin</b> (also promote, roll back and train models).</p>
<h2>Problems</h2><p>Errors are <code>application/problem+json</code> with <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>
and, for bad parameters, <code>invalidParams: [{name, reason, allowed}]</code>.</p><table><tr><th>type</th><th>status</th><th>title</th></tr>${problems}</table>
<h2>Endpoints</h2>${ops.join('\n')}<h2>Schemas</h2>${schemas}</body></html>`;
}

function schemaRef(schema: unknown): string {
  const ref = (schema as { $ref?: string; items?: { $ref?: string } } | undefined)?.$ref ?? (schema as { items?: { $ref?: string } } | undefined)?.items?.$ref;
  if (!ref) return '';
  const name = ref.split('/').pop()!;
  return ` → <a href="#schema-${esc(name)}">${esc(name)}</a>`;
}
