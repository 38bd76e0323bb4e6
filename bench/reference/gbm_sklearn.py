#!/usr/bin/python3
"""
Gradient-boosting peer for bench:forecast (bench/reference/gbmForecaster.ts): scikit-learn
HistGradientBoostingRegressor, one model per quantile (loss='quantile', 0.1 / 0.5 / 0.9).
Run with Debian's /usr/bin/python3 (python3-sklearn).

A small worker: one JSON request per line on stdin, one JSON reply per line on stdout, until stdin closes.
Feature rows come from TypeScript (bench/reference/gbmFeatures.ts); null in a row is a missing value (NaN).
  {"op": "fit", "X": [[...], ...], "y": [...], "params": {...}}  -> {"ok": true, "rows": n, "seconds": s}
  {"op": "predict", "X": [[...], ...]}                          -> {"p10": [...], "p50": [...], "p90": [...]}
The first line written is {"ready": true, "sklearn": version}. A failed request answers {"error": "..."}.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingRegressor

QUANTILES = (0.1, 0.5, 0.9)
# Early stopping off, so every fit runs max_iter rounds; everything else is scikit-learn's default
# (max_leaf_nodes=31, min_samples_leaf=20, l2_regularization=0, max_bins=255).
DEFAULTS = {'max_iter': 300, 'learning_rate': 0.05, 'early_stopping': False, 'random_state': 0}

models = None


def matrix(rows):
    x = np.array(rows, dtype=np.float64)  # None -> nan
    return x.reshape(len(rows), -1)


def fit(request):
    global models
    x = matrix(request['X'])
    y = np.asarray(request['y'], dtype=np.float64)
    if len(y) == 0 or x.shape[0] != len(y):
        raise ValueError(f'fit needs as many targets as rows, got {x.shape[0]} rows and {len(y)} targets')
    params = {**DEFAULTS, **request.get('params', {})}
    started = time.perf_counter()
    models = [HistGradientBoostingRegressor(loss='quantile', quantile=q, **params).fit(x, y) for q in QUANTILES]
    return {'ok': True, 'rows': int(x.shape[0]), 'seconds': time.perf_counter() - started, 'params': params}


def predict(request):
    if models is None:
        raise RuntimeError('predict before fit')
    x = matrix(request['X'])
    q = np.sort(np.stack([m.predict(x) for m in models], axis=1), axis=1)  # never crossing
    return {'p10': q[:, 0].tolist(), 'p50': q[:, 1].tolist(), 'p90': q[:, 2].tolist()}


def main():
    print(json.dumps({'ready': True, 'sklearn': sklearn.__version__}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            reply = {'fit': fit, 'predict': predict}[request['op']](request)
        except Exception as err:  # answered, the worker stays up
            reply = {'error': f'{type(err).__name__}: {err}'}
        print(json.dumps(reply), flush=True)


if __name__ == '__main__':
    main()
