import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Service, findBinary, freePort, giveToMosquittoUser } from './services.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/mosquitto/', import.meta.url));
const run = promisify(execFile);

export interface BrokerUser {
  username: string;
  password: string;
}

/**
 * The reference broker as docker-compose runs it: deploy/mosquitto/entrypoint.sh assembles the password
 * files and starts Mosquitto with deploy/mosquitto/mosquitto.conf and acl. Only what a container provides is
 * rewritten: `/mosquitto/` becomes a temp directory, the listeners (1883 meters, 1884 ingesters) become free
 * loopback ports, logs go to stderr.
 */
export class DeployMosquitto extends Service {
  protected readonly name = 'mosquitto (deploy/mosquitto/entrypoint.sh)';
  private constructor(
    dir: string,
    port: number,
    /** The ingesters' listener (1884 in the container). */
    readonly servicesPort: number,
    private readonly passwords: { ingest: string; simulator: string; forecaster: string; controller: string; weather?: string; prices?: string },
  ) {
    super(dir, port);
  }

  /** Meters' and the simulator's listener (1883 in the container). */
  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get servicesUrl(): string {
    return `mqtt://127.0.0.1:${this.servicesPort}`;
  }

  /**
   * `meters` go into meters.passwd (listener 1883) as operators add them; `aclAppend` is added to the end of the
   * repository's acl unchanged, as docs/security.md tells an operator to add a user (e.g. one that reads dead letters);
   * `aclEdit` changes the repository's acl first (an operator's older copy of it). The forecaster's and the
   * controller's passwords, which the entrypoint requires, are made up when a test doesn't log in as them.
   */
  static async start(o: {
    meters: BrokerUser[];
    ingestPassword: string;
    simulatorPassword: string;
    forecasterPassword?: string;
    controllerPassword?: string;
    weatherPassword?: string;
    pricesPassword?: string;
    aclAppend?: string;
    aclEdit?: (acl: string) => string;
  }): Promise<DeployMosquitto> {
    const mosquitto = findBinary('mosquitto', 'mosquitto');
    const passwd = findBinary('mosquitto_passwd', 'mosquitto');
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-deploy-mosquitto-'));
    await giveToMosquittoUser(dir);
    const [port, servicesPort] = [await freePort(), await freePort()];
    const config = join(dir, 'config');
    await mkdir(config, { recursive: true });
    const container = (text: string) => text.replaceAll('/mosquitto/', `${dir}/`);

    const conf = container(await readFile(join(DEPLOY, 'mosquitto.conf'), 'utf8'))
      .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
      .replace(/^listener 1884$/m, `listener ${servicesPort} 127.0.0.1`)
      .replace(/^log_dest .*$/m, 'log_dest stderr');
    for (const expected of [`listener ${port} 127.0.0.1`, `listener ${servicesPort} 127.0.0.1`]) {
      if (!conf.includes(expected)) throw new Error(`deploy/mosquitto/mosquitto.conf changed shape: '${expected}' missing after rewriting`);
    }
    await writeFile(join(config, 'mosquitto.conf'), conf, { mode: 0o644 });
    const acl = (o.aclEdit ?? ((text: string) => text))(await readFile(join(DEPLOY, 'acl'), 'utf8'));
    await writeFile(join(config, 'acl'), `${acl}${o.aclAppend ? `\n${o.aclAppend}\n` : ''}`, { mode: 0o644 });
    // meters.passwd as README.md tells operators to make it.
    const meters = join(config, 'meters.passwd');
    await writeFile(meters, '', { mode: 0o644 });
    for (const m of o.meters) await run(passwd, ['-b', meters, m.username, m.password]);

    let entrypoint = container(await readFile(join(DEPLOY, 'entrypoint.sh'), 'utf8')).replace(/^exec mosquitto /m, `exec ${mosquitto} `);
    // Only root may hand the data directory to the mosquitto user (as the container's root does).
    if (process.getuid?.() !== 0) entrypoint = entrypoint.replace(/^chown .*$/m, ':');
    await writeFile(join(config, 'entrypoint.sh'), entrypoint, { mode: 0o755 });

    const broker = new DeployMosquitto(dir, port, servicesPort, {
      ingest: o.ingestPassword,
      simulator: o.simulatorPassword,
      forecaster: o.forecasterPassword ?? `pw-forecaster-${randomUUID()}`,
      controller: o.controllerPassword ?? `pw-controller-${randomUUID()}`,
      ...(o.weatherPassword ? { weather: o.weatherPassword } : {}),
      ...(o.pricesPassword ? { prices: o.pricesPassword } : {}),
    });
    await broker.start();
    return broker;
  }

  protected override env(): NodeJS.ProcessEnv {
    const path = [process.env.PATH ?? '', '/usr/sbin', '/usr/bin'].join(':');
    return {
      ...process.env,
      PATH: path,
      MQTT_INGEST_PASSWORD: this.passwords.ingest,
      MQTT_SIMULATOR_PASSWORD: this.passwords.simulator,
      MQTT_FORECASTER_PASSWORD: this.passwords.forecaster,
      MQTT_CONTROLLER_PASSWORD: this.passwords.controller,
      ...(this.passwords.weather ? { MQTT_WEATHER_PASSWORD: this.passwords.weather } : {}),
      ...(this.passwords.prices ? { MQTT_PRICES_PASSWORD: this.passwords.prices } : {}),
    };
  }

  protected command(): [string, string[]] {
    return ['/bin/sh', [join(this.dir, 'config', 'entrypoint.sh')]];
  }
}
