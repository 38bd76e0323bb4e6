import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../common/logger.js';
import { errorMessage } from '../common/errors.js';
import { openStores } from '../storage/index.js';
import { DispatchService, loadDispatchFile, mqttPlanPublisher, optimizeDispatch, scenarioSchema, type DispatchPlan } from '../dispatch/index.js';

/**
 * `gridcast dispatch --scenario FILE`: solve a self-contained scenario offline (anyone can reproduce a
 * decision). `gridcast dispatch --site ID`: plan a configured site from its stored forecasts now, then
 * store and publish the plan as the scheduler does.
 */
export function addDispatchCommand(program: Command, configEnv: () => NodeJS.ProcessEnv): void {
  program
    .command('dispatch')
    .description('Compute a dispatch plan: from a scenario file (offline), or for a site from its stored forecasts (DISPATCH_FILE)')
    .option('--scenario <file>', 'scenario file (JSON or YAML): assets, forecasts, prices; schema in docs/dispatch.md')
    .option('--site <id>', 'plan this site of DISPATCH_FILE from the latest stored forecasts, store and publish the plan')
    .option('--json', 'print the plan as one JSON object instead of a summary')
    .action(async (o: { scenario?: string; site?: string; json?: boolean }) => {
      if (!o.scenario === !o.site) {
        process.stderr.write('gridcast dispatch: give exactly one of --scenario FILE or --site ID\n');
        process.exit(2);
      }
      const plan = o.scenario ? await fromScenarioFile(o.scenario) : await forSite(o.site!, configEnv);
      process.stdout.write(o.json ? `${JSON.stringify(plan)}\n` : `${summary(plan)}\n`);
    });
}

async function fromScenarioFile(path: string): Promise<DispatchPlan> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    process.stderr.write(`gridcast dispatch: cannot read scenario '${path}': ${errorMessage(err)}\n`);
    process.exit(2);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(top level)'}: ${i.message}`);
    process.stderr.write(`gridcast dispatch: scenario '${path}' is invalid:\n${problems.join('\n')}\n`);
    process.exit(2);
  }
  return optimizeDispatch(parsed.data);
}

async function forSite(site: string, configEnv: () => NodeJS.ProcessEnv): Promise<DispatchPlan> {
  const config = loadConfig(configEnv());
  if (!config.dispatch.file) {
    process.stderr.write('gridcast dispatch: DISPATCH_FILE is not set; it lists each site\'s assets (see examples/dispatch.example.yaml)\n');
    process.exit(2);
  }
  const logger = createLogger(config.logLevel, config.logFormat);
  const stores = openStores(config, logger);
  await stores.init();
  const publisher = config.mqtt.url ? mqttPlanPublisher(config.mqtt.url, config.mqtt) : undefined;
  try {
    return await new DispatchService({ stores, sites: loadDispatchFile(config.dispatch.file), publisher, logger: logger.child({ component: 'dispatch' }) }).run(site);
  } finally {
    await publisher?.close();
    await stores.close();
  }
}

/** A few lines an operator reads: cost, savings, diagnosis, recommendations. */
function summary(plan: DispatchPlan): string {
  const money = (v: number) => `${v.toFixed(2)} ${plan.currency}`;
  const lines = [
    `dispatch plan for ${plan.site}, ${plan.steps.length} steps of ${plan.stepMinutes} min from ${plan.steps[0]?.time ?? '?'} (solver ${plan.solver.status}, ${Math.round(plan.solver.solveMs)} ms, gap ${(plan.solver.mipGap * 100).toFixed(2)} %)`,
    plan.doNothing.feasible
      ? `cost ${money(plan.cost.total)}; doing nothing ${money(plan.doNothing.total)}; savings ${money(plan.savings)}`
      : `cost ${money(plan.cost.total)}; doing nothing is not feasible: it leaves ${plan.doNothing.unservedKwh.toFixed(0)} kWh unserved (${money(plan.doNothing.penaltyCost)} in penalties)`,
    plan.diagnosis.feasible ? 'every limit holds' : `limits that gave way:\n${plan.diagnosis.issues.map((i) => `  - ${i.message}. Fix: ${i.fix}`).join('\n')}`,
    'recommendations:',
    ...plan.recommendations.map((r) => `  - ${r.reason}`),
  ];
  return lines.join('\n');
}
