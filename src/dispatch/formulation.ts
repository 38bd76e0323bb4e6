import { LinearProgram } from './lp.js';
import type { Battery, Generator, Scenario } from './scenario.js';
import { resolveSteps, type StepInputs } from './steps.js';

/**
 * The dispatch MILP (EMHASS-style, plus generator commitment and reserve). Per step t of Δ hours:
 *   balance   import − export + Σ discharge − Σ charge + Σ gen − curtail + unserved − excess − Σ deferrable
 *             = load − PV − wind                                              (P50s)
 *   battery   soc_t = soc_{t−1} + ηc·Δ·charge − Δ/ηd·discharge;  charge ≤ Pc·z, discharge ≤ Pd·(1 − z)
 *             soc_T + endShort ≥ end target
 *   generator Pmin·on ≤ gen ≤ Pmax·on;  start − stop = on_t − on_{t−1};  Σ starts over the last U steps ≤ on;
 *             Σ stops over the last D steps ≤ 1 − on;  |gen_t − gen_{t−1}| ≤ ramp (a start or stop may jump to Pmin)
 *   grid      import ≤ Imax·u, export ≤ Emax·(1 − u)
 *   reserve   Σ battery headroom + Σ online generator headroom + import headroom + reserveShort ≥ required
 * Objective: import cost − export revenue + fuel + start-ups + battery wear + curtailment + slack penalties.
 * unserved, excess, reserveShort, endShort and deferrable short are the slacks that keep any case solvable.
 */

export interface BatteryVars {
  charge: number[];
  discharge: number[];
  soc: number[];
  charging: number[];
  reserve: number[];
  endShort: number;
  socMinKwh: number;
  socMaxKwh: number;
  socInitialKwh: number;
  socEndTargetKwh: number;
}

export interface GeneratorVars {
  power: number[];
  on: number[];
  start: number[];
  stop: number[];
  reserve: number[];
}

export interface DeferrableVars {
  power: number[];
  short: number;
}

export interface DispatchModel {
  lp: LinearProgram;
  inputs: StepInputs;
  importKw: number[];
  exportKw: number[];
  importing: number[];
  pvCurtail: number[];
  windCurtail: number[];
  unserved: number[];
  excess: number[];
  gridReserve: number[];
  reserveShort: number[];
  batteries: BatteryVars[];
  generators: GeneratorVars[];
  deferrables: DeferrableVars[];
}

export interface FormulationOptions {
  /** Generators keep their initial on/off state throughout (the do-nothing plan). */
  freezeCommitment?: boolean;
  /** Leave the batteries out (the do-nothing plan). */
  withoutBatteries?: boolean;
}

export function buildDispatchModel(s: Scenario, options: FormulationOptions = {}): DispatchModel {
  const inputs = resolveSteps(s);
  const { steps, stepHours: dt } = inputs;
  const lp = new LinearProgram();
  const integer = !s.solver.relaxIntegrality;
  const p = s.penalties;
  const range = (f: (t: number) => number) => Array.from({ length: steps }, (_, t) => f(t));

  const importKw = range((t) => lp.addVariable(`import_${t}`, 0, s.grid.importLimitKw, inputs.importPrice[t]! * dt));
  const exportKw = range((t) => lp.addVariable(`export_${t}`, 0, s.grid.exportLimitKw, -inputs.exportPrice[t]! * dt));
  const importing = range((t) => lp.addVariable(`importing_${t}`, 0, 1, 0, integer));
  const pvCurtail = range((t) => lp.addVariable(`pv_curtail_${t}`, 0, s.pv.curtailable ? inputs.pvKw[t]! : 0, s.pv.curtailmentCostPerKwh * dt));
  const windCurtail = range((t) => lp.addVariable(`wind_curtail_${t}`, 0, s.wind.curtailable ? inputs.windKw[t]! : 0, s.wind.curtailmentCostPerKwh * dt));
  const unserved = range((t) => lp.addVariable(`unserved_${t}`, 0, Math.max(0, inputs.loadKw[t]!), p.unservedPerKwh * dt));
  const excess = range((t) => lp.addVariable(`excess_${t}`, 0, Infinity, p.excessPerKwh * dt));
  const gridReserve = range((t) => lp.addVariable(`grid_reserve_${t}`, 0, Infinity));
  const reserveShort = range((t) => lp.addVariable(`reserve_short_${t}`, 0, inputs.reserveKw[t]!, p.reserveShortPerKwh * dt));

  for (let t = 0; t < steps; t++) {
    lp.addRow(`grid_import_exclusive_${t}`, [[importKw[t]!, 1], [importing[t]!, -s.grid.importLimitKw]], -Infinity, 0);
    lp.addRow(`grid_export_exclusive_${t}`, [[exportKw[t]!, 1], [importing[t]!, s.grid.exportLimitKw]], -Infinity, s.grid.exportLimitKw);
    // Import headroom, plus the export that could stop.
    lp.addRow(`grid_reserve_limit_${t}`, [[gridReserve[t]!, 1], [importKw[t]!, 1], [exportKw[t]!, -1]], -Infinity, s.grid.importLimitKw);
  }

  const batteries = options.withoutBatteries ? [] : s.batteries.map((b) => addBattery(lp, b, steps, dt, integer, p.endSocPerKwh));
  const generators = s.generators.map((g) => addGenerator(lp, g, steps, dt, integer, options.freezeCommitment ?? false));
  const deferrables = s.deferrableLoads.map((d) => {
    const power = range((t) => lp.addVariable(`deferrable_${d.id}_${t}`, 0, t >= d.fromStep && t < d.toStep ? d.maxKw : 0));
    const short = lp.addVariable(`deferrable_${d.id}_short`, 0, d.energyKwh, p.deferrableShortPerKwh);
    lp.addRow(`deferrable_${d.id}_energy`, [...power.map((v) => [v, dt] as const), [short, 1]], d.energyKwh, d.energyKwh);
    return { power, short };
  });

  for (let t = 0; t < steps; t++) {
    const terms: [number, number][] = [
      [importKw[t]!, 1],
      [exportKw[t]!, -1],
      [pvCurtail[t]!, -1],
      [windCurtail[t]!, -1],
      [unserved[t]!, 1],
      [excess[t]!, -1],
    ];
    for (const b of batteries) terms.push([b.discharge[t]!, 1], [b.charge[t]!, -1]);
    for (const g of generators) terms.push([g.power[t]!, 1]);
    for (const d of deferrables) terms.push([d.power[t]!, -1]);
    const netLoad = inputs.loadKw[t]! - inputs.pvKw[t]! - inputs.windKw[t]!;
    lp.addRow(`balance_${t}`, terms, netLoad, netLoad);

    const reserve: [number, number][] = [[gridReserve[t]!, 1], [reserveShort[t]!, 1]];
    for (const b of batteries) reserve.push([b.reserve[t]!, 1]);
    for (const g of generators) reserve.push([g.reserve[t]!, 1]);
    lp.addRow(`reserve_${t}`, reserve, inputs.reserveKw[t]!, Infinity);
  }

  return { lp, inputs, importKw, exportKw, importing, pvCurtail, windCurtail, unserved, excess, gridReserve, reserveShort, batteries, generators, deferrables };
}

function addBattery(lp: LinearProgram, b: Battery, steps: number, dt: number, integer: boolean, endSocPenalty: number): BatteryVars {
  const socMinKwh = (b.capacityKwh * b.socMinPct) / 100;
  const socMaxKwh = (b.capacityKwh * b.socMaxPct) / 100;
  const socInitialKwh = (b.capacityKwh * b.socInitialPct) / 100;
  const socEndTargetKwh = (b.capacityKwh * (b.socEndTargetPct ?? b.socInitialPct)) / 100;
  const ids = Array.from({ length: steps }, (_, t) => t);
  const charge = ids.map((t) => lp.addVariable(`bat_${b.id}_charge_${t}`, 0, b.maxChargeKw, b.degradationCostPerKwh * dt));
  const discharge = ids.map((t) => lp.addVariable(`bat_${b.id}_discharge_${t}`, 0, b.maxDischargeKw, b.degradationCostPerKwh * dt));
  const soc = ids.map((t) => lp.addVariable(`bat_${b.id}_soc_${t}`, socMinKwh, socMaxKwh));
  const charging = ids.map((t) => lp.addVariable(`bat_${b.id}_charging_${t}`, 0, 1, 0, integer));
  const reserve = ids.map((t) => lp.addVariable(`bat_${b.id}_reserve_${t}`, 0, b.maxDischargeKw));
  const endShort = lp.addVariable(`bat_${b.id}_end_short`, 0, socEndTargetKwh, endSocPenalty);
  for (let t = 0; t < steps; t++) {
    const terms: [number, number][] = [[soc[t]!, 1], [charge[t]!, -b.chargeEfficiency * dt], [discharge[t]!, dt / b.dischargeEfficiency]];
    if (t > 0) terms.push([soc[t - 1]!, -1]);
    const rhs = t > 0 ? 0 : socInitialKwh;
    lp.addRow(`bat_${b.id}_soc_${t}`, terms, rhs, rhs);
    lp.addRow(`bat_${b.id}_charge_exclusive_${t}`, [[charge[t]!, 1], [charging[t]!, -b.maxChargeKw]], -Infinity, 0);
    lp.addRow(`bat_${b.id}_discharge_exclusive_${t}`, [[discharge[t]!, 1], [charging[t]!, b.maxDischargeKw]], -Infinity, b.maxDischargeKw);
    // Reserve: power it could still add (stop charging, discharge more) and energy to sustain it one step.
    lp.addRow(`bat_${b.id}_reserve_power_${t}`, [[reserve[t]!, 1], [discharge[t]!, 1], [charge[t]!, -1]], -Infinity, b.maxDischargeKw);
    lp.addRow(`bat_${b.id}_reserve_energy_${t}`, [[reserve[t]!, dt / b.dischargeEfficiency], [soc[t]!, -1]], -Infinity, -socMinKwh);
  }
  lp.addRow(`bat_${b.id}_end_soc`, [[soc[steps - 1]!, 1], [endShort, 1]], socEndTargetKwh, Infinity);
  return { charge, discharge, soc, charging, reserve, endShort, socMinKwh, socMaxKwh, socInitialKwh, socEndTargetKwh };
}

function addGenerator(lp: LinearProgram, g: Generator, steps: number, dt: number, integer: boolean, freeze: boolean): GeneratorVars {
  const initialOn = g.initialOn ? 1 : 0;
  // Steps at the start whose state the minimum up/down time of the initial state still fixes.
  const heldOn = g.initialOn ? Math.max(0, g.minUpSteps - g.initialStepsInState) : 0;
  const heldOff = g.initialOn ? 0 : Math.max(0, g.minDownSteps - g.initialStepsInState);
  const ids = Array.from({ length: steps }, (_, t) => t);
  const power = ids.map((t) => lp.addVariable(`gen_${g.id}_power_${t}`, 0, g.maxKw, g.marginalCostPerKwh * dt));
  const on = ids.map((t) => {
    const fixed = freeze ? initialOn : t < heldOn ? 1 : t < heldOff ? 0 : undefined;
    return lp.addVariable(`gen_${g.id}_on_${t}`, fixed ?? 0, fixed ?? 1, 0, integer);
  });
  const start = ids.map((t) => lp.addVariable(`gen_${g.id}_start_${t}`, 0, 1, g.startupCost));
  const stop = ids.map((t) => lp.addVariable(`gen_${g.id}_stop_${t}`, 0, 1));
  const reserve = ids.map((t) => lp.addVariable(`gen_${g.id}_reserve_${t}`, 0, g.rampKwPerStep ?? g.maxKw));
  // A start (stop) may jump from (to) zero to (from) at least Pmin even when the ramp is smaller.
  const ramp = g.rampKwPerStep;
  const jump = ramp === undefined ? 0 : Math.max(0, g.minKw - ramp);
  for (let t = 0; t < steps; t++) {
    lp.addRow(`gen_${g.id}_max_${t}`, [[power[t]!, 1], [on[t]!, -g.maxKw]], -Infinity, 0);
    lp.addRow(`gen_${g.id}_min_${t}`, [[power[t]!, 1], [on[t]!, -g.minKw]], 0, Infinity);
    const transition: [number, number][] = [[start[t]!, 1], [stop[t]!, -1], [on[t]!, -1]];
    if (t > 0) transition.push([on[t - 1]!, 1]);
    const rhs = t > 0 ? 0 : -initialOn;
    lp.addRow(`gen_${g.id}_transition_${t}`, transition, rhs, rhs);
    lp.addRow(`gen_${g.id}_start_or_stop_${t}`, [[start[t]!, 1], [stop[t]!, 1]], -Infinity, 1);
    const upWindow: [number, number][] = [[on[t]!, -1]];
    for (let k = Math.max(0, t - g.minUpSteps + 1); k <= t; k++) upWindow.push([start[k]!, 1]);
    lp.addRow(`gen_${g.id}_min_up_${t}`, upWindow, -Infinity, 0);
    const downWindow: [number, number][] = [[on[t]!, 1]];
    for (let k = Math.max(0, t - g.minDownSteps + 1); k <= t; k++) downWindow.push([stop[k]!, 1]);
    lp.addRow(`gen_${g.id}_min_down_${t}`, downWindow, -Infinity, 1);
    if (ramp !== undefined) {
      const previous = t > 0 ? power[t - 1]! : undefined;
      const previousKw = g.initialOn ? g.initialPowerKw : 0;
      const up: [number, number][] = [[power[t]!, 1], [start[t]!, -jump]];
      const down: [number, number][] = [[power[t]!, -1], [stop[t]!, -jump]];
      if (previous !== undefined) {
        up.push([previous, -1]);
        down.push([previous, 1]);
      }
      lp.addRow(`gen_${g.id}_ramp_up_${t}`, up, -Infinity, ramp + (previous === undefined ? previousKw : 0));
      lp.addRow(`gen_${g.id}_ramp_down_${t}`, down, -Infinity, ramp - (previous === undefined ? previousKw : 0));
    }
    lp.addRow(`gen_${g.id}_reserve_${t}`, [[reserve[t]!, 1], [power[t]!, 1], [on[t]!, -g.maxKw]], -Infinity, 0);
  }
  return { power, on, start, stop, reserve };
}
