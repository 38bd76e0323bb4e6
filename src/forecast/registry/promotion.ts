import { TRAINED_MODEL } from '../presets.js';

/** What serves a series' forecasts: a trained model version, or a baseline. */
export type Serving = { kind: 'model'; version: string } | { kind: 'baseline'; name: string };

export interface Scored {
  serving: Serving;
  /** Validation MAE, kW, all scored on the same backtest window. */
  maeKw: number;
}

export interface PromotionDecision {
  serve: Serving;
  promoted: boolean;
  reason: string;
}

export function servingName(s: Serving): string {
  return s.kind === 'model' ? `${TRAINED_MODEL.name}@${s.version}` : s.name;
}

/**
 * A new model serves only if it beats both the model serving now and the best baseline on the same
 * validation backtest. Otherwise the incumbent keeps serving if it still beats the baselines, else the
 * best baseline does: a model is trusted only while it beats simple methods.
 */
export function decidePromotion(candidate: Scored, incumbent: Scored | undefined, baselines: readonly Scored[]): PromotionDecision {
  const best = [...baselines].filter((b) => Number.isFinite(b.maeKw)).sort((a, b) => a.maeKw - b.maeKw)[0];
  const fmt = (s: Scored) => `${servingName(s.serving)} (MAE ${s.maeKw.toFixed(3)} kW)`;
  const beatsBaseline = !best || candidate.maeKw < best.maeKw;
  const beatsIncumbent = !incumbent || candidate.maeKw < incumbent.maeKw;
  if (Number.isFinite(candidate.maeKw) && beatsBaseline && beatsIncumbent) {
    return { serve: candidate.serving, promoted: true, reason: `${fmt(candidate)} beats ${[incumbent, best].filter(Boolean).map((s) => fmt(s!)).join(' and ')}` };
  }
  const why = !beatsBaseline ? `does not beat ${fmt(best!)}` : `does not beat the serving ${fmt(incumbent!)}`;
  if (incumbent && (!best || incumbent.maeKw < best.maeKw)) {
    return { serve: incumbent.serving, promoted: false, reason: `${fmt(candidate)} ${why}; ${servingName(incumbent.serving)} keeps serving` };
  }
  if (!best) throw new Error('no baseline to fall back on');
  return { serve: best.serving, promoted: false, reason: `${fmt(candidate)} ${why}; ${servingName(best.serving)} serves` };
}
