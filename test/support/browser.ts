import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The browser tests drive Debian's Chromium through playwright-core; screenshots are kept in .artifacts/. */
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = new URL('../../.artifacts/', import.meta.url).pathname;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the page tests drive Debian's Chromium. Install it with: sudo apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface PanelState {
  id: string;
  points: number;
  canvases: number;
  /** Pixels of the chart canvas that something was drawn on. */
  inked: number;
}

/** Each panel of the built-in page: its data points, chart canvases and the pixels drawn on them. */
export async function panels(page: Page): Promise<PanelState[]> {
  // Runs in the page; the project compiles without DOM types, so the browser objects are described here.
  type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
  return page.$$eval('section.panel', (sections) =>
    sections.map((s) => {
      const canvases = [...s.querySelectorAll('.uplot canvas')] as unknown as Canvas[];
      let inked = 0;
      for (const c of canvases) {
        const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) inked++;
      }
      return { id: s.id, points: Number((s as unknown as { dataset: Record<string, string | undefined> }).dataset.points ?? 0), canvases: canvases.length, inked };
    }),
  );
}

