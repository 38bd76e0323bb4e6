import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Real Mosquitto and InfluxDB for the tests: each on a free loopback port, in its own temp
 * directory, stopped (and cleaned up) afterwards.
 */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function findBinary(name: string, aptPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(`'${name}' not found: the integration tests run a real ${name}. Install it with: sudo apt-get install -y ${aptPackage}`);
}

async function waitForPort(port: number, timeoutMs: number, proc: ChildProcess, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode}: ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms: ${output()}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export abstract class Service {
  protected proc: ChildProcess | undefined;
  protected output = '';
  protected constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  protected abstract command(): [string, string[]];
  protected abstract readonly name: string;
  /** The process's environment (default: this one's). */
  protected env(): NodeJS.ProcessEnv {
    return process.env;
  }

  /** Starts (or restarts) the process on the same port and data directory. */
  async start(): Promise<void> {
    const [bin, args] = this.command();
    this.output = '';
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.env() });
    proc.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    proc.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    this.proc = proc;
    await waitForPort(this.port, 30_000, proc, this.name, () => this.output);
  }

  /** SIGTERM and wait for exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export class Mosquitto extends Service {
  protected readonly name = 'mosquitto';
  private constructor(dir: string, port: number) {
    super(dir, port);
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /**
   * Starts a broker on a free loopback port. `configure` (optional) returns the whole mosquitto.conf for
   * that port and temp directory (e.g. the repository's deploy/mosquitto config with its paths rewritten)
   * and may write files it names (password file, ACL) into `dir` first; without it, an open broker with
   * the production queue settings.
   */
  static async start(configure?: (ctx: { port: number; dir: string }) => Promise<string>): Promise<Mosquitto> {
    findBinary('mosquitto', 'mosquitto');
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-mosquitto-'));
    // Started as root, mosquitto drops to the 'mosquitto' user, which must still read the files here and
    // write its persistence file: a root-owned directory silently turns persistence off.
    await chmod(dir, 0o755);
    await giveToMosquittoUser(dir);
    const m = new Mosquitto(dir, await freePort());
    if (configure) {
      await writeFile(join(dir, 'mosquitto.conf'), await configure({ port: m.port, dir }), { mode: 0o644 });
      await m.start();
      return m;
    }
    // The settings README.md asks of a production broker: unlimited queue for offline persistent
    // sessions (the default 1000 would drop readings while an ingester restarts) and persistence.
    await writeFile(
      join(dir, 'mosquitto.conf'),
      [
        `listener ${m.port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence true',
        `persistence_location ${dir}/`,
        'max_queued_messages 0',
        'max_queued_bytes 0',
        'max_inflight_messages 0',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        '',
      ].join('\n'),
    );
    await m.start();
    return m;
  }

  protected command(): [string, string[]] {
    return [findBinary('mosquitto', 'mosquitto'), ['-c', join(this.dir, 'mosquitto.conf')]];
  }
}

/**
 * When the tests run as root, Debian's mosquitto drops to the `mosquitto` user: hand it the directory (and
 * whatever the test writes there later stays readable through mode 0644). No-op for other users.
 */
export async function giveToMosquittoUser(path: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const id = (flag: '-u' | '-g') => {
    try {
      return Number(execFileSync('id', [flag, 'mosquitto'], { encoding: 'utf8' }).trim());
    } catch {
      return undefined; // no such user: mosquitto then keeps running as root
    }
  };
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid !== undefined && gid !== undefined) await chown(path, uid, gid);
}

export class Influxd extends Service {
  protected readonly name = 'influxd';
  private constructor(
    dir: string,
    port: number,
    private readonly rpcPort: number,
  ) {
    super(dir, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `data` adds settings to the `[data]` section (e.g. `cache-snapshot-write-cold-duration = "1s"`). */
  static async start(opts: { data?: string[] } = {}): Promise<Influxd> {
    findBinary('influxd', 'influxdb');
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-influxd-'));
    const i = new Influxd(dir, await freePort(), await freePort());
    await writeFile(
      join(dir, 'influxdb.conf'),
      `reporting-disabled = true
bind-address = "127.0.0.1:${i.rpcPort}"
[meta]
  dir = "${dir}/meta"
  logging-enabled = false
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
${(opts.data ?? []).map((l) => `  ${l}\n`).join('')}[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${i.port}"
  log-enabled = false
  pprof-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
[subscriber]
  enabled = false
`,
    );
    await i.start();
    return i;
  }

  override async start(): Promise<void> {
    await super.start();
    // The HTTP port opens slightly before /ping answers.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`${this.url}/ping`).then((r) => r.status === 204, () => false);
      if (ok) return;
      await sleep(50);
    }
    throw new Error(`influxd did not answer /ping: ${this.output}`);
  }

  protected command(): [string, string[]] {
    return [findBinary('influxd', 'influxdb'), ['run', '-config', join(this.dir, 'influxdb.conf')]];
  }

  /** Runs InfluxQL directly (test assertions read the database without going through gridcast). */
  async query(db: string, q: string): Promise<{ columns: string[]; values: unknown[][] }[]> {
    const res = await fetch(`${this.url}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
    const body = (await res.json()) as { results: { series?: { columns: string[]; values: unknown[][] }[]; error?: string }[] };
    if (body.results[0]?.error) throw new Error(body.results[0].error);
    return body.results[0]?.series ?? [];
  }
}

/** A real Redis (Debian redis-server) on a free loopback port, no persistence: the training queue's tests. */
export class Redis extends Service {
  protected readonly name = 'redis-server';
  private constructor(dir: string, port: number) {
    super(dir, port);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<Redis> {
    findBinary('redis-server', 'redis-server');
    const r = new Redis(await mkdtemp(join(tmpdir(), 'gridcast-redis-')), await freePort());
    await r.start();
    return r;
  }

  protected command(): [string, string[]] {
    return [findBinary('redis-server', 'redis-server'), ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir]];
  }
}
