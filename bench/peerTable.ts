/**
 * The peer- table (issue #11) from one or more bench:forecast JSON files, as Markdown:
 *   npx tsx bench/peerTable.ts .bench/peer-a.json .bench/peer-b.json
 * Runs split over two processes (BENCH_FORECAST_CASES) are merged here; a case in two files is an error.
 * Targets: LSTM MAPE below the peer on every series and ≤ 0.9× on average; P10–P90 coverage within 75–85 %.
 */
import { readFile } from 'node:fs/promises';

interface ModelFigures {
  overall: { mapePct: number; maeKw: number; coverageP10P90: number };
  rawCoverageP10P90: number;
}
interface BenchFile {
  results: { name: string; result: { models: Record<string, ModelFigures> } }[];
}

const PEER = 'gbm-sklearn';
const pct = (x: number, d = 2) => `${x.toFixed(d)} %`;

async function main(): Promise<void> {
  const files = process.argv.slice(2);
  if (files.length === 0) throw new Error('usage: tsx bench/peerTable.ts RESULT.json [RESULT.json …] (bench:forecast outputs)');
  const rows = new Map<string, Record<string, ModelFigures>>();
  for (const file of files) {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as BenchFile;
    for (const r of parsed.results) {
      if (!r.name.startsWith('peer-')) continue;
      if (rows.has(r.name)) throw new Error(`${r.name} is in more than one file; pass each case once`);
      rows.set(r.name, r.result.models);
    }
  }
  const lines = [
    '| series | LSTM MAPE | gbm-sklearn MAPE | LSTM / peer | best baseline MAPE | LSTM P10–P90 (as made) | peer P10–P90 (as made) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const ratios: number[] = [];
  const misses: string[] = [];
  const coverageMisses: string[] = [];
  for (const [name, models] of rows) {
    const lstm = models.lstm;
    const peer = models[PEER];
    if (!lstm || !peer) throw new Error(`${name} has no ${lstm ? PEER : 'lstm'} figures (was it run with BENCH_FORECAST_GBM=0?)`);
    const baselines = Object.keys(models).filter((k) => k !== 'lstm' && k !== PEER);
    const best = baselines.sort((a, b) => models[a]!.overall.maeKw - models[b]!.overall.maeKw)[0]!;
    // The ratio of MAPEs, as the issue states its target.
    const ratio = lstm.overall.mapePct / peer.overall.mapePct;
    ratios.push(ratio);
    const miss = ratio >= 1;
    if (miss) misses.push(`${name} ${ratio.toFixed(2)}`);
    const coverage = lstm.overall.coverageP10P90 * 100;
    if (coverage < 75 || coverage > 85) coverageMisses.push(`${name} ${coverage.toFixed(1)} %`);
    lines.push(
      `| ${name} | ${pct(lstm.overall.mapePct)} | ${pct(peer.overall.mapePct)} | ${ratio.toFixed(2)}${miss ? ' **miss**' : ''} | ${pct(models[best]!.overall.mapePct)} (${best}) | ${(coverage).toFixed(1)} %${coverage < 75 || coverage > 85 ? ' **miss**' : ''} (${(lstm.rawCoverageP10P90 * 100).toFixed(1)}) | ${(peer.overall.coverageP10P90 * 100).toFixed(1)} % (${(peer.rawCoverageP10P90 * 100).toFixed(1)}) |`,
    );
  }
  const mean = ratios.reduce((a, r) => a + r, 0) / ratios.length;
  lines.push('');
  lines.push(`mean LSTM/peer MAPE ratio ${mean.toFixed(3)} over ${ratios.length} series; below the peer on ${ratios.length - misses.length}`);
  lines.push(`not below the peer: ${misses.length > 0 ? misses.join(', ') : 'none'}`);
  lines.push(`P10–P90 outside 75–85 %: ${coverageMisses.length > 0 ? coverageMisses.join(', ') : 'none'}`);
  console.log(lines.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
