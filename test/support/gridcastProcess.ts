import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sleep } from './services.js';

const CLI = fileURLToPath(new URL('../../bin/gridcast.js', import.meta.url));

/** `gridcast <command>` as a real child process, for crash and signal tests. */
export class GridcastProcess {
  private proc: ChildProcess | undefined;
  output = '';

  constructor(
    private readonly command: 'ingest' | 'start' | 'schedule',
    private readonly env: Record<string, string>,
    readonly httpPort: number,
    private readonly nodeArgs: string[] = [],
    private readonly args: string[] = [],
    /** The script node runs: bin/gridcast.js by default; bench:ingest passes a compiled build's main.js. */
    private readonly cli: string = CLI,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Starts and waits until /ready answers 200 (or, with `until: 'health'`, until /health does). */
  async start(timeoutMs = 30_000, until: 'ready' | 'health' = 'ready'): Promise<void> {
    this.output = '';
    const proc = spawn(process.execPath, [...this.nodeArgs, this.cli, this.command, ...this.args], {
      env: { ...process.env, LOG_LEVEL: 'info', ...this.env, HTTP_PORT: String(this.httpPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    proc.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    this.proc = proc;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`gridcast ${this.command} exited with ${proc.exitCode}: ${this.output}`);
      const ready = await fetch(`${this.httpUrl}/${until}`).then((r) => r.status === 200, () => false);
      if (ready) return;
      await sleep(100);
    }
    throw new Error(`gridcast ${this.command} not ready within ${timeoutMs} ms: ${this.output}`);
  }

  /** Sends a signal and resolves with the exit code (or the signal name). */
  async kill(signal: NodeJS.Signals): Promise<number | string> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) throw new Error('process is not running');
    const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')));
    proc.kill(signal);
    const result = await exited;
    this.proc = undefined;
    return result;
  }

  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.httpUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : Number.NaN;
  }

  async ensureStopped(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) await this.kill('SIGKILL');
  }
}
