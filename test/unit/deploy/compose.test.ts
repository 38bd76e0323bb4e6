import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { CONFIG_KEYS, SECRET_KEYS, secretFileVar } from '../../../src/config/index.js';
import { GRAFANA_IMAGE, INFINITY_PLUGIN, SCHEMA_VERSION } from '../../../grafana/src/index.js';
import { DEADLETTER_TOPIC, DISPATCH_SUBSCRIPTION, METER_DEADLETTER_SUBSCRIPTION, TELEMETRY_SUBSCRIPTION, WEATHER_FORECAST_SUBSCRIPTION, PRICE_SUBSCRIPTION, ingesterPresenceSubscription } from '../../../src/contract/index.js';

/**
 * docker-compose.yml and what it mounts. Docker does not run here, so this checks what can be checked:
 * files, variables, identities, and that the URLs and ports services use to reach each other agree.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFile(ROOT + path, 'utf8');

const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.string().optional(),
  command: z.array(z.string()).optional(),
  entrypoint: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  ports: z.array(z.string()).optional(),
  healthcheck: z.object({ disable: z.boolean().optional(), test: z.array(z.string()).optional(), start_period: z.string().optional() }).optional(),
  // Only the long form: the short list form can't say "wait until healthy".
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
});
type Service = z.infer<typeof serviceSchema>;
const composeSchema = z.object({ services: z.record(z.string(), serviceSchema), volumes: z.record(z.string(), z.null()).optional() });

const text = await read('docker-compose.yml');
const compose = composeSchema.parse(parse(text, { merge: true }));
const services = Object.entries(compose.services);
const gridcast = services.filter(([, s]) => s.build === '.');
const ingesters = gridcast.filter(([, s]) => s.command?.[0] === 'ingest');
const svc = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service '${name}'`);
  return s;
};

/** `${VAR:?message}` references (and any other `${…}` form, which the tests below refuse). */
const VAR_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}/g;
const usedVariables = [...text.matchAll(VAR_REF)].map((m) => ({ name: m[1]!, rest: m[2]! }));

/** Bind mounts of a service: host path (relative to the repo) → container path. */
function bindMounts(s: Service): { host: string; container: string }[] {
  return (s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => {
    const [host, container] = v.split(':') as [string, string];
    return { host: host.slice(2), container };
  });
}

/** The repository file a container path of a service comes from (through one of its bind mounts). */
function hostPathOf(s: Service, containerPath: string): string | undefined {
  for (const m of bindMounts(s)) {
    if (containerPath === m.container) return m.host;
    if (containerPath.startsWith(`${m.container}/`)) return `${m.host}/${containerPath.slice(m.container.length + 1)}`;
  }
  return undefined;
}

/** The container port behind each published port ("1883:1883" → 1883). */
const containerPorts = (s: Service): number[] => (s.ports ?? []).map((p) => Number(p.split(':').at(-1)));

/** host:port of a service-to-service URL must be a service that listens there. */
function expectReachable(url: string, service: string, port: number): void {
  const u = new URL(url);
  expect(u.hostname, url).toBe(service);
  expect(Number(u.port), url).toBe(port);
}

describe('docker-compose.yml (Docker does not run here; this checks what can be checked)', () => {
  it('runs ingesters with distinct client ids, and every gridcast service only with known settings', () => {
    expect(ingesters.length).toBeGreaterThanOrEqual(2);
    const ids = ingesters.map(([, s]) => s.environment?.MQTT_CLIENT_ID);
    expect(new Set(ids).size).toBe(ingesters.length);
    for (const [, s] of ingesters) expect(s.environment?.MQTT_SHARE_GROUP).toBeTruthy();
    const fileVars: string[] = SECRET_KEYS.map(secretFileVar);
    for (const [name, s] of gridcast) {
      for (const key of Object.keys(s.environment ?? {})) expect([...Object.keys(CONFIG_KEYS), ...fileVars], `${name}: ${key}`).toContain(key);
    }
  });

  it('has no default credentials: every password, token and key comes from .env, required (${VAR:?…})', () => {
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        // A secret read from a file: the file lies in a volume mounted read-only, not in the repository.
        if (key.endsWith('_FILE') && /PASSWORD|TOKEN|KEY|SECRET/.test(key)) {
          const mount = (s.volumes ?? []).map((v) => v.split(':')).find(([, container]) => container !== undefined && value.startsWith(`${container}/`));
          expect(mount, `${name}: ${key}=${value} must be in a mounted volume`).toBeDefined();
          expect(mount![0]!.startsWith('./'), `${name}: ${key} comes from a volume, not a repository file`).toBe(false);
          expect(mount![2], `${name}: ${key}'s volume is mounted read-only`).toBe('ro');
          continue;
        }
        // API_KEYS entries are name:scope:<key>; the key itself must be a variable.
        if (/PASSWORD|TOKEN|KEY|SECRET/.test(key)) expect(value, `${name}: ${key}`).toMatch(/^([a-z]+:(read|operate|admin):)?\$\{[A-Z_]+:\?[^}]+\}$/);
      }
    }
    // No `${VAR:-default}` or bare `${VAR}` anywhere: a missing secret stops compose instead of defaulting.
    for (const v of usedVariables) expect(v.rest, v.name).toMatch(/^:\?./);
    expect(usedVariables.length).toBeGreaterThan(0);
  });

  it('documents every variable it uses in .env.example, with no value filled in, and nothing unused', async () => {
    const example = await read('.env.example');
    const lines = example.split('\n');
    const documented = new Map<string, string>();
    lines.forEach((line, i) => {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
      if (!m) return;
      documented.set(m[1]!, m[2]!);
      // A comment right above each variable (or above its group) says what it is.
      expect(lines.slice(Math.max(0, i - 3), i).some((l) => l.startsWith('#')), `${m[1]} needs a comment`).toBe(true);
    });
    const used = new Set(usedVariables.map((v) => v.name));
    for (const name of used) expect([...documented.keys()], `${name} is used in docker-compose.yml`).toContain(name);
    for (const name of documented.keys()) expect([...used], `${name} is in .env.example`).toContain(name);
    for (const [name, value] of documented) expect(value, `${name} must be left empty in .env.example`).toBe('');
    expect((await read('.gitignore')).split('\n')).toContain('.env');
  });

  it('mounts only files and directories that exist in the repository', async () => {
    let mounts = 0;
    for (const [name, s] of services) {
      for (const m of bindMounts(s)) {
        mounts++;
        await expect(stat(ROOT + m.host).then(() => true, () => false), `${name}: ./${m.host}`).resolves.toBe(true);
      }
    }
    expect(mounts).toBeGreaterThanOrEqual(4);
    // Paths the containers use inside those mounts exist too.
    const mosquitto = svc('mosquitto');
    const entrypoint = mosquitto.entrypoint?.at(-1);
    expect(hostPathOf(mosquitto, entrypoint ?? '')).toBe('deploy/mosquitto/entrypoint.sh');
    const conf = await read(hostPathOf(mosquitto, '/mosquitto/config/mosquitto.conf')!);
    const aclPath = /^acl_file (.+)$/m.exec(conf)?.[1];
    expect(aclPath).toBeDefined();
    await expect(stat(ROOT + hostPathOf(mosquitto, aclPath!)!)).resolves.toBeTruthy();
    // The password file is built at start into the data volume, not mounted from the repo.
    expect(/^password_file (.+)$/m.exec(conf)?.[1]).toBe('/mosquitto/data/passwd');
    expect(mosquitto.volumes).toContain('mosquitto-data:/mosquitto/data');
  });

  it('pins every image (InfluxDB to 2.x, Grafana to the release the dashboards are written for, Mosquitto 2)', () => {
    for (const [name, s] of services) {
      if (s.build) continue;
      expect(s.image, name).toMatch(/:\d+(\.\d+){1,2}(-[\w.]+)?$/);
    }
    expect(svc('influxdb').image).toMatch(/^influxdb:2\.\d+\.\d+$/);
    expect(svc('mosquitto').image).toMatch(/^eclipse-mosquitto:2\./);
    expect(svc('grafana').image).toBe(GRAFANA_IMAGE);
    const [major, minor] = GRAFANA_IMAGE.split(':')[1]!.split('.').map(Number) as [number, number];
    expect(major).toBe(12);
    expect(SCHEMA_VERSION).toBe(minor >= 2 ? 42 : 41);
    expect(svc('grafana').environment?.GF_PLUGINS_PREINSTALL_SYNC).toBe(INFINITY_PLUGIN);
  });

  it('runs a simulator against the broker with a fleet file that exists, without the HTTP health check', async () => {
    const sim = svc('simulator');
    expect(sim.command?.[0]).toBe('simulate');
    const fleet = sim.command![sim.command!.indexOf('--fleet') + 1]!;
    const { loadFleetConfig } = await import('../../../simulators/fleetConfig.js');
    expect(loadFleetConfig(ROOT + fleet).sites.length).toBeGreaterThan(0);
    expect(sim.healthcheck?.disable).toBe(true);
  });
});

describe('ports and URLs agree between services', () => {
  it('every INFLUX_URL is the influxdb service on its port, with the database its DBRP mapping creates', async () => {
    const influx = svc('influxdb');
    const port = 8086;
    expect(containerPorts(influx)).toContain(port);
    const bucket = influx.environment?.DOCKER_INFLUXDB_INIT_BUCKET;
    expect(await read('deploy/influxdb/create-dbrp.sh')).toContain('--db "${DOCKER_INFLUXDB_INIT_BUCKET}"');
    const users = gridcast.filter(([, s]) => s.environment?.INFLUX_URL);
    expect(users.length).toBeGreaterThanOrEqual(3);
    for (const [, s] of users) {
      expectReachable(s.environment!.INFLUX_URL!, 'influxdb', port);
      expect(s.environment?.INFLUX_DATABASE).toBe(bucket);
      expect(s.environment?.INFLUX_ORG).toBe(influx.environment?.DOCKER_INFLUXDB_INIT_ORG);
    }
  });

  it("every MQTT_URL is the mosquitto service on a listener of its config, as a user the ACL knows", async () => {
    const mosquitto = svc('mosquitto');
    const conf = await read('deploy/mosquitto/mosquitto.conf');
    const listeners = [...conf.matchAll(/^listener (\d+)/gm)].map((m) => Number(m[1]));
    expect(listeners).toContain(1883);
    expect(conf).toMatch(/^allow_anonymous false$/m);
    const acl = await read('deploy/mosquitto/acl');
    /** The `topic` lines of one `user` block of the ACL. */
    const grants = (user: string): string[] => {
      const block = acl.split(/^user /m).find((b) => b.startsWith(`${user}\n`));
      return (block ?? '').split('\n').filter((l) => l.startsWith('topic '));
    };
    const clients = gridcast.filter(([, s]) => s.environment?.MQTT_URL);
    expect(clients.length).toBeGreaterThanOrEqual(3);
    for (const [name, s] of clients) {
      const url = s.environment!.MQTT_URL!;
      expectReachable(url, 'mosquitto', Number(new URL(url).port));
      expect(listeners, name).toContain(Number(new URL(url).port));
      expect(containerPorts(mosquitto)).toContain(Number(new URL(url).port));
      const user = s.environment?.MQTT_USERNAME;
      expect(user, name).toBeTruthy();
      expect(grants(user!).length, `${name}: user ${user} in deploy/mosquitto/acl`).toBeGreaterThan(0);
    }
    // Ingesters read every meter's telemetry, the sites' weather forecasts and prices, write dead letters (global and each meter's own), and say in their share group that they are up; the simulator only publishes.
    for (const [, s] of ingesters) {
      expect(grants(s.environment!.MQTT_USERNAME!)).toEqual([
        `topic read ${TELEMETRY_SUBSCRIPTION}`,
        `topic write ${DEADLETTER_TOPIC}`,
        `topic write ${METER_DEADLETTER_SUBSCRIPTION}`,
        `topic read ${WEATHER_FORECAST_SUBSCRIPTION}`,
        `topic read ${PRICE_SUBSCRIPTION}`,
        `topic readwrite ${ingesterPresenceSubscription('+')}`,
      ]);
    }
    expect(grants(svc('simulator').environment!.MQTT_USERNAME!)).toEqual([`topic write ${TELEMETRY_SUBSCRIPTION}`]);
    // The passwords the entrypoint sets are the ones compose hands to those users.
    const entrypoint = await read('deploy/mosquitto/entrypoint.sh');
    for (const [user, variable, file] of [
      ['gridcast-ingest', 'MQTT_INGEST_PASSWORD', 'services.passwd'],
      ['gridcast-simulator', 'MQTT_SIMULATOR_PASSWORD', 'passwd'],
      ['gridcast-forecaster', 'MQTT_FORECASTER_PASSWORD', 'services.passwd'],
      ['gridcast-controller', 'MQTT_CONTROLLER_PASSWORD', 'passwd'],
    ] as const) {
      expect(entrypoint).toContain(`mosquitto_passwd -b /mosquitto/data/${file} ${user} "$${variable}"`);
      expect(mosquitto.environment?.[variable]).toMatch(new RegExp(`^\\$\\{${variable}:\\?`));
    }
    expect(ingesters.every(([, s]) => s.environment?.MQTT_PASSWORD?.startsWith('${MQTT_INGEST_PASSWORD:?'))).toBe(true);
    expect(svc('simulator').environment?.MQTT_PASSWORD).toMatch(/^\$\{MQTT_SIMULATOR_PASSWORD:\?/);

    // The forecaster publishes dispatch plans and nothing else, as a user of its own on the services' listener
    // (services.passwd, above); a site controller only reads them, on the meters' listener (passwd).
    const forecaster = svc('forecaster');
    expect(forecaster.environment).toMatchObject({ MQTT_URL: 'mqtt://mosquitto:1884', MQTT_USERNAME: 'gridcast-forecaster', MQTT_CLIENT_ID: 'gridcast-forecaster' });
    expect(forecaster.environment?.MQTT_PASSWORD).toMatch(/^\$\{MQTT_FORECASTER_PASSWORD:\?/);
    expect(grants('gridcast-forecaster')).toEqual([`topic write ${DISPATCH_SUBSCRIPTION}`]);
    expect(grants('gridcast-controller')).toEqual([`topic read ${DISPATCH_SUBSCRIPTION}`]);
    // Nobody else may write plans.
    const writers = acl.split(/^user /m).filter((b) => b.includes(`topic write ${DISPATCH_SUBSCRIPTION}`) || /^topic (readwrite )?gridcast\/v1\/\+\/dispatch$/m.test(b));
    expect(writers.map((b) => b.split('\n')[0])).toEqual(['gridcast-forecaster']);
  });

  it("the forecaster plans with a DISPATCH_FILE it mounts from the repository, for the sites it forecasts", async () => {
    const forecaster = svc('forecaster');
    const file = forecaster.environment?.DISPATCH_FILE;
    expect(file).toBeDefined();
    const host = hostPathOf(forecaster, file!);
    expect(host, `${file} comes from a bind mount`).toBe('deploy/forecaster/dispatch.yaml');
    expect(forecaster.volumes).toContain(`./${host}:${file}:ro`);
    const { loadDispatchFile } = await import('../../../src/dispatch/index.js');
    const planned = loadDispatchFile(ROOT + host!).map((s) => s.site);
    expect(planned.length).toBeGreaterThan(0);
    // The sites the stack forecasts: SITES_FILE (the image's copy of the simulator's fleet).
    const { loadFleetConfig } = await import('../../../simulators/fleetConfig.js');
    const sitesFile = forecaster.environment?.SITES_FILE;
    expect(sitesFile).toBe('/app/simulators/fleet.example.yaml');
    const forecast = loadFleetConfig(ROOT + 'simulators/fleet.example.yaml').sites.map((s) => s.id);
    for (const site of planned) expect(forecast, `dispatch site ${site}`).toContain(site);
  });

  it("Grafana's datasources point at the influxdb and forecaster services, with the variables compose gives Grafana", async () => {
    const grafana = svc('grafana');
    const env = grafana.environment ?? {};
    const yaml = await read('grafana/provisioning/datasources/gridcast.yaml');
    // Every $VAR the provisioning file uses is set for the Grafana container.
    const settings = yaml
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .join('\n');
    const vars = [...settings.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g)].map((m) => m[1]!);
    expect(vars.length).toBeGreaterThan(0);
    // INFLUX_TOKEN is not in its environment: its entrypoint reads the read-only token from its volume.
    for (const v of vars) if (v !== 'INFLUX_TOKEN') expect(Object.keys(env), v).toContain(v);
    expect(vars).toContain('INFLUX_TOKEN');
    expect(env.INFLUX_TOKEN).toBeUndefined();
    expect(grafana.entrypoint?.at(-1)).toMatch(/^INFLUX_TOKEN="\$\$\(cat \/run\/gridcast\/influx\/token\)" && export INFLUX_TOKEN && exec \/run\.sh$/);
    expect(grafana.volumes).toContain('influx-token-read:/run/gridcast/influx:ro');

    expectReachable(env.GRIDCAST_INFLUX_URL!, 'influxdb', 8086);
    expect(env.GRIDCAST_INFLUX_DATABASE).toBe(svc('influxdb').environment?.DOCKER_INFLUXDB_INIT_BUCKET);

    // The API runs in the forecaster (it has the model registry), on HTTP_PORT (default) behind its published port.
    const forecaster = svc('forecaster');
    const httpPort = Number(forecaster.environment?.HTTP_PORT ?? CONFIG_KEYS.HTTP_PORT.defaultText);
    expect(containerPorts(forecaster)).toContain(httpPort);
    expect(forecaster.environment?.HTTP_HOST).toBe('0.0.0.0');
    expectReachable(env.GRIDCAST_API_URL!, 'forecaster', httpPort);
    // The key Grafana sends is a read key the API accepts.
    expect(forecaster.environment?.API_KEYS).toBe(`grafana:read:${env.GRIDCAST_API_READ_KEY}`);

    const datasources = z
      .object({ datasources: z.array(z.object({ uid: z.string(), type: z.string(), url: z.string(), jsonData: z.record(z.string(), z.unknown()), secureJsonData: z.record(z.string(), z.string()) })) })
      .parse(parse(yaml)).datasources;
    const influx = datasources.find((d) => d.type === 'influxdb');
    const api = datasources.find((d) => d.type === 'yesoreyeram-infinity-datasource');
    expect(influx).toMatchObject({ uid: 'gridcast-influxdb', url: '$GRIDCAST_INFLUX_URL', jsonData: { version: 'InfluxQL', dbName: '$GRIDCAST_INFLUX_DATABASE', httpHeaderName1: 'Authorization' } });
    expect(influx?.secureJsonData.httpHeaderValue1).toBe('Token $INFLUX_TOKEN');
    expect(api).toMatchObject({ uid: 'gridcast-api', url: '$GRIDCAST_API_URL', jsonData: { auth_method: 'bearerToken', allowedHosts: ['$GRIDCAST_API_URL'] } });
    expect(api?.secureJsonData.bearerToken).toBe('$GRIDCAST_API_READ_KEY');
  });

  it("Grafana's dashboard provider reads the directory compose mounts the committed dashboards into", async () => {
    const grafana = svc('grafana');
    const provider = z
      .object({ providers: z.array(z.object({ type: z.literal('file'), options: z.object({ path: z.string() }) })) })
      .parse(parse(await read('grafana/provisioning/dashboards/gridcast.yaml'))).providers[0]!;
    expect(hostPathOf(grafana, provider.options.path)).toBe('grafana/dashboards');
    expect(hostPathOf(grafana, '/etc/grafana/provisioning/datasources/gridcast.yaml')).toBe('grafana/provisioning/datasources/gridcast.yaml');
    const home = grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    await expect(stat(ROOT + hostPathOf(grafana, home!)!)).resolves.toBeTruthy();
    expect(containerPorts(grafana)).toContain(3000);
  });
});

describe('start order, published ports and InfluxDB tokens', () => {
  it('waits for health: every service depended on has a health check, and every dependency waits for service_healthy', () => {
    let dependencies = 0;
    for (const [name, s] of services) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        dependencies++;
        expect(condition, `${name} → ${dep}`).toBe('service_healthy');
        const target = svc(dep);
        expect(target.healthcheck?.disable, `${dep} has a health check`).not.toBe(true);
        // The gridcast image has a HEALTHCHECK of its own, but compose states each check so it can be read here.
        expect(target.healthcheck?.test?.length, `${dep}: healthcheck.test`).toBeGreaterThan(0);
      }
    }
    expect(dependencies).toBeGreaterThanOrEqual(8);
    for (const name of ['mosquitto', 'influxdb', 'forecaster', ...ingesters.map(([n]) => n)]) expect(svc(name).healthcheck?.test, name).toBeDefined();
    // Every gridcast service with an HTTP server checks /health on the port it listens on.
    for (const [name, s] of gridcast.filter(([, s]) => s.command?.[0] !== 'simulate')) {
      const port = Number(s.environment?.HTTP_PORT ?? CONFIG_KEYS.HTTP_PORT.defaultText);
      expect(s.healthcheck?.test?.join(' '), name).toContain(`http://127.0.0.1:${port}/health`);
    }
    // The broker's check logs in on the services' listener with a client id no service uses, as a user the
    // container has the password of (its own login on 1883 would take over that user's session).
    const broker = svc('mosquitto');
    const check = broker.healthcheck!.test!.join(' ');
    expect(check).toMatch(/ -p 1884 /);
    expect(check).toMatch(/ -i gridcast-healthcheck /);
    const clientIds = gridcast.map(([, s]) => s.environment?.MQTT_CLIENT_ID).filter(Boolean);
    expect(clientIds).not.toContain('gridcast-healthcheck');
    // InfluxDB is healthy once its final server answers and the setup script has written every token.
    const influxCheck = svc('influxdb').healthcheck!.test!.join(' ');
    expect(influxCheck).toContain('influx ping --host http://127.0.0.1:8086');
    for (const token of ['ingest', 'forecaster', 'read']) expect(influxCheck).toContain(`test -s /var/lib/gridcast-tokens/${token}/token`);
  });

  it('every $$VAR a health check or entrypoint reads in the container is set in that container', () => {
    for (const [name, s] of services) {
      const shell = [...(s.healthcheck?.test ?? []), ...(s.entrypoint ?? [])].join(' ');
      for (const m of shell.matchAll(/\$\$([A-Z_][A-Z0-9_]*)/g)) expect(Object.keys(s.environment ?? {}), `${name}: $$${m[1]}`).toContain(m[1]);
    }
  });

  it('publishes only MQTT (1883, and the commented TLS 8883) on every interface; everything else on 127.0.0.1', () => {
    let published = 0;
    for (const [name, s] of services) {
      for (const p of s.ports ?? []) {
        published++;
        const container = Number(p.split(':').at(-1));
        if (container === 1883 || container === 8883) expect(p, name).toBe(`${container}:${container}`);
        else expect(p, `${name}: ${p}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      }
    }
    expect(published).toBeGreaterThanOrEqual(7);
    expect(text).toMatch(/^ *# - "8883:8883"$/m);
  });

  it('gives each kind of gridcast client its own InfluxDB token from a volume, created at setup with only its rights', async () => {
    const script = await read('deploy/influxdb/create-tokens.sh');
    /** The `influx auth create` flags create-tokens.sh gives a token (its `create <name> …` line). */
    const flagsOf = (token: string): string[] => {
      const line = new RegExp(`^create ${token} '[^']+' (.+)$`, 'm').exec(script)?.[1];
      expect(line, `create-tokens.sh creates '${token}'`).toBeDefined();
      return [...line!.matchAll(/--(\w+-bucket) "\$bucket_id"/g)].map((m) => m[1]!);
    };
    expect(flagsOf('ingest')).toEqual(['write-bucket']);
    expect(flagsOf('forecaster')).toEqual(['read-bucket', 'write-bucket']);
    expect(flagsOf('read')).toEqual(['read-bucket']);
    expect(script).toMatch(/influx auth create --org "\$DOCKER_INFLUXDB_INIT_ORG" --description "\$description" "\$@" --json/);

    // InfluxDB runs the script at setup and writes each token into its own volume.
    const influx = svc('influxdb');
    expect(hostPathOf(influx, '/docker-entrypoint-initdb.d/create-tokens.sh')).toBe('deploy/influxdb/create-tokens.sh');
    expect(((await stat(ROOT + 'deploy/influxdb/create-tokens.sh')).mode & 0o111) !== 0, 'create-tokens.sh is executable (run-parts)').toBe(true);
    const volumeOf = new Map<string, string>();
    for (const token of ['ingest', 'forecaster', 'read']) {
      const mount = influx.volumes?.find((v) => v.endsWith(`:/var/lib/gridcast-tokens/${token}`));
      expect(mount, `influxdb mounts the ${token} token volume`).toBeDefined();
      volumeOf.set(mount!.split(':')[0]!, token);
    }
    expect(new Set(volumeOf.keys()).size).toBe(3);
    for (const v of volumeOf.keys()) expect(Object.keys(compose.volumes ?? {})).toContain(v);

    /** The token a service gets: the one in the volume holding its INFLUX_TOKEN_FILE (or its Grafana entrypoint's file). */
    const tokenOf = (name: string, path: string): string | undefined => {
      const mount = (svc(name).volumes ?? []).find((v) => path.startsWith(`${v.split(':')[1]}/`));
      return mount ? volumeOf.get(mount.split(':')[0]!) : undefined;
    };
    const want: Record<string, string> = { forecaster: 'forecaster', grafana: 'read', ...Object.fromEntries(ingesters.map(([n]) => [n, 'ingest'])) };
    for (const [name, s] of gridcast.filter(([, s]) => s.environment?.INFLUX_URL)) {
      expect(s.environment?.INFLUX_TOKEN, `${name} gets no token in its environment`).toBeUndefined();
      const file = s.environment?.INFLUX_TOKEN_FILE;
      expect(file, `${name}: INFLUX_TOKEN_FILE`).toBeDefined();
      expect(tokenOf(name, file!), name).toBe(want[name]);
    }
    expect(tokenOf('grafana', '/run/gridcast/influx/token')).toBe('read');
    // A token volume is mounted only by InfluxDB and the services of that token.
    for (const [name, s] of services) {
      for (const v of s.volumes ?? []) {
        const token = volumeOf.get(v.split(':')[0]!);
        if (token && name !== 'influxdb') expect(want[name], `${name} mounts the ${token} token`).toBe(token);
      }
    }
    // The administrator's token goes to InfluxDB's setup only.
    for (const [name, s] of services) {
      for (const value of Object.values(s.environment ?? {})) if (value.includes('INFLUX_ADMIN_TOKEN')) expect(name).toBe('influxdb');
    }
  });
});

describe('Dockerfile', () => {
  it('runs as a non-root user and has a health check on /health', async () => {
    const dockerfile = await read('Dockerfile');
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const user = /^USER (\S+)$/m.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(final).toMatch(/^HEALTHCHECK .*\\\n\s+CMD .*\/health/m);
  });

  it('builds and runs on Node 22 LTS, which package.json engines allows next to the Node 20 CI tests on', async () => {
    const dockerfile = await read('Dockerfile');
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(bases).toEqual(['node:22-bookworm-slim', 'node:22-bookworm-slim']);
    const { engines } = z.object({ engines: z.object({ node: z.string() }) }).parse(JSON.parse(await read('package.json')));
    expect(engines.node).toBe('^20.19 || ^22.13');
  });
});
