// Preloaded into the ingester by bench:ingest (node --import): samples process.memoryUsage() every 25 ms and,
// when the process exits, writes the peak of each figure (MB) and the sample count to $BENCH_MEMORY_FILE.
// With --heapsnapshot-signal=SIGUSR2 next to it, `kill -USR2 <pid>` writes a heap snapshot at the moment wanted.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_MEMORY_FILE;
if (file) {
  const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  let samples = 0;
  const sample = () => {
    const m = process.memoryUsage();
    for (const k of Object.keys(peak)) if (m[k] > peak[k]) peak[k] = m[k];
    samples++;
  };
  setInterval(sample, 25).unref();
  process.on('exit', () => {
    sample();
    const mb = Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round((v / 1048576) * 10) / 10]));
    writeFileSync(file, `${JSON.stringify({ ...mb, samples })}\n`);
  });
}
