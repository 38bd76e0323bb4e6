import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { readingJsonSchema } from '../contract/index.js';
import { generateAsyncApi } from './asyncapi.js';
import { docsHtml, PUBLIC_SECURITY, type OpenApiDocument } from './openapi.js';
import { API_PREFIX } from './route.js';
import { z } from './zod.js';

/**
 * The API's documents (OpenAPI; the MQTT contract as AsyncAPI and JSON Schema) and docs pages, below /api/v1.
 * They are public (no key, whatever the loopback rule): they describe the contract, which is the same in every
 * installation and open source, and hold no data.
 */
const INTERACTIVE_DIR = '/docs/ui';
export const DOCS_PATHS = {
  openapi: '/openapi.json',
  page: '/docs',
  interactive: `${INTERACTIVE_DIR}/`,
  asyncapi: '/asyncapi.json',
  readingSchema: '/schemas/reading.json',
} as const;

/** Swagger UI's files, served from node_modules/swagger-ui-dist: no CDN. */
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/swagger-ui-bundle.js'));
/** The files the page loads; the rest of the package (its petstore initializer, its index.html) is never served. */
const SWAGGER_UI_FILES = new Set(['/swagger-ui.css', '/swagger-ui-bundle.js', '/favicon-32x32.png']);
const INTERACTIVE = `${API_PREFIX}${DOCS_PATHS.interactive}`;
const INITIALIZER = 'gridcast-swagger-ui.js';

// Absolute asset URLs: Express also routes `/docs/ui` (no slash) here, where relative ones would miss.
const interactiveHtml = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>gridcast API: interactive docs</title>
<link rel="stylesheet" href="${INTERACTIVE}swagger-ui.css"><link rel="icon" type="image/png" sizes="32x32" href="${INTERACTIVE}favicon-32x32.png">
</head><body><noscript>This page needs JavaScript; <a href="${API_PREFIX}${DOCS_PATHS.page}">${API_PREFIX}${DOCS_PATHS.page}</a> is the same reference without it.</noscript>
<div id="swagger-ui"></div><script src="${INTERACTIVE}swagger-ui-bundle.js"></script><script src="${INTERACTIVE}${INITIALIZER}"></script></body></html>`;

// A file, not an inline script: the content-security policy allows the server's own scripts only. No validator
// badge (it would call validator.swagger.io), and the key given to "Authorize" is not kept in the browser.
const initializerJs = `window.ui = SwaggerUIBundle(${JSON.stringify({
  url: `${API_PREFIX}${DOCS_PATHS.openapi}`,
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
  layout: 'BaseLayout',
})});\n`;

/** Adds the documents' own operations to the OpenAPI document, each public (`security: []`). */
export function registerDocsPaths(registry: OpenAPIRegistry): void {
  const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
  const document = z.object({}).catchall(z.unknown());
  const json = (description: string, type = 'application/json') => ({ description, content: { [type]: { schema: document } } });
  const doc = (operationId: string, path: string, summary: string, responses: Record<string, ResponseConfig>) =>
    registry.registerPath({ method: 'get', path: `${API_PREFIX}${path}`, operationId, tags: ['docs'], summary: `${summary} (no key needed)`, security: PUBLIC_SECURITY, responses });
  doc('getOpenApiDocument', DOCS_PATHS.openapi, 'This OpenAPI 3.1 document', { 200: json('The OpenAPI document') });
  doc('getDocsPage', DOCS_PATHS.page, 'The API reference as a plain page (no scripts), with every problem type', { 200: html('HTML page') });
  doc('getInteractiveDocs', DOCS_PATHS.interactive, 'Interactive docs (Swagger UI, served by this instance)', { 200: html('HTML page') });
  doc('getAsyncApiDocument', DOCS_PATHS.asyncapi, 'The MQTT contract (topics, payloads) as an AsyncAPI 3.0 document', { 200: json('The AsyncAPI document') });
  doc('getReadingJsonSchema', DOCS_PATHS.readingSchema, 'JSON Schema (2020-12) of one telemetry reading, to validate before publishing', { 200: json('The JSON Schema', 'application/schema+json') });
}

/** Serves the documents; needs no principal (the router's authenticate() result is ignored here). */
export function docsRouter(openapi: OpenApiDocument): Router {
  const router = express.Router();
  const send = (type: string, body: string) => (_req: Request, res: Response) => {
    // Fixed for the life of the process, but an upgrade should show at once: revalidate every time.
    res.set('Cache-Control', 'no-cache').type(type).send(body);
  };
  router.get(DOCS_PATHS.openapi, send('application/json', JSON.stringify(openapi)));
  const links = [
    { href: `${API_PREFIX}${DOCS_PATHS.interactive}`, label: 'Interactive docs (Swagger UI)' },
    { href: `${API_PREFIX}${DOCS_PATHS.openapi}`, label: `OpenAPI ${openapi.openapi} document` },
    { href: `${API_PREFIX}${DOCS_PATHS.asyncapi}`, label: 'MQTT contract (AsyncAPI 3.0)' },
    { href: `${API_PREFIX}${DOCS_PATHS.readingSchema}`, label: 'JSON Schema of a telemetry reading' },
  ];
  router.get(DOCS_PATHS.page, send('html', docsHtml(openapi, links)));
  router.get(DOCS_PATHS.interactive, send('html', interactiveHtml));
  router.get(DOCS_PATHS.asyncapi, send('application/json', JSON.stringify(generateAsyncApi())));
  router.get(DOCS_PATHS.readingSchema, send('application/schema+json', JSON.stringify(readingJsonSchema('draft-2020-12'))));
  router.get(`${DOCS_PATHS.interactive}${INITIALIZER}`, send('application/javascript', initializerJs));
  const assets = express.static(SWAGGER_UI_DIR, { index: false, redirect: false, fallthrough: true });
  router.use(INTERACTIVE_DIR, (req: Request, res: Response, next: NextFunction) => (SWAGGER_UI_FILES.has(req.path) ? assets(req, res, next) : next()));
  return router;
}
