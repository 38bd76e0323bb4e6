import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

const here = dirname(fileURLToPath(import.meta.url));
/** Next to this module when run from source; a build (dist/) finds the same files in src/api/ui. */
const UI_DIR = [join(here, 'ui'), join(here, '..', '..', '..', 'src', 'api', 'ui')].find((d) => existsSync(join(d, 'index.html')));
/** False when the page's files were not shipped (an image with dist/ only): `/` is then a 404 problem. */
export const uiAvailable = UI_DIR !== undefined;
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));

/**
 * The built-in operator page (standalone mode): static files only, so they need no key. Every number
 * on it comes from /api/v1, which does (on loopback the standalone rule lets the page read without one).
 * uPlot is served from node_modules: no CDN.
 */
export function pageRouter(): Router {
  const router = express.Router();
  if (!UI_DIR) return router;
  const file = (path: string) => (_req: express.Request, res: express.Response) => res.set('Cache-Control', 'no-cache').sendFile(path);
  router.get('/', file(join(UI_DIR, 'index.html')));
  router.get('/ui/app.js', file(join(UI_DIR, 'app.js')));
  router.get('/ui/style.css', file(join(UI_DIR, 'style.css')));
  router.get('/ui/vendor/uPlot.iife.min.js', file(join(UPLOT_DIR, 'uPlot.iife.min.js')));
  router.get('/ui/vendor/uPlot.min.css', file(join(UPLOT_DIR, 'uPlot.min.css')));
  return router;
}
