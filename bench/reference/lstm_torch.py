#!/usr/bin/python3
"""
PyTorch reference for gridcast's LSTM forecaster (src/forecast/models/lstm/network.ts), for the
training-cost comparison in bench/forecastCost.ts. Run with Debian's /usr/bin/python3 (python3-torch).

Reads the tensors LstmForecaster.fit trained on, the network's initial weights and the per-epoch
shuffle order from a directory written by bench/forecastCost.ts (meta.json + raw little-endian
float32/int32 .bin files), trains the same network the same way for the same epochs, times every
epoch and single-sample forecasts, and prints one JSON object to stdout.

Same network as network.ts:
  history [T, Fh] -> LSTM(hidden, sigmoid recurrent activation, tanh) -> last hidden state
  concat(last hidden, context [2]) -> Dense(decoder, relu)
  repeat over the H target steps, concat with targetSteps [H, Fs] -> Dense(decoder, relu) -> Dense(3)
  raw [centre, lower, upper] -> P10 = c - softplus(lower), P50 = c, P90 = c + softplus(upper)
  masked mean pinball loss over P10/P50/P90; Adam(lr, betas 0.9/0.999, eps 1e-7 = tfjs default).
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

QUANTILE_LEVELS = (0.1, 0.5, 0.9)


class GridcastLstm(nn.Module):
    def __init__(self, history_features, context_features, horizon_steps, step_features, hidden_units, decoder_units):
        super().__init__()
        self.horizon_steps = horizon_steps
        # PyTorch's LSTM gates are sigmoid/tanh/tanh, gate order i, f, g, o (same as Keras/tfjs i, f, c, o).
        self.encoder_lstm = nn.LSTM(history_features, hidden_units, batch_first=True)
        self.encoder_dense = nn.Linear(hidden_units + context_features, decoder_units)
        self.decoder_dense = nn.Linear(decoder_units + step_features, decoder_units)
        self.decoder_out = nn.Linear(decoder_units, 3)

    def forward(self, history, context, target_steps):
        _, (h_n, _) = self.encoder_lstm(history)  # h_n: [1, batch, hidden] = the last step's output
        summary = F.relu(self.encoder_dense(torch.cat([h_n[0], context], dim=1)))
        repeated = summary.unsqueeze(1).expand(-1, self.horizon_steps, -1)
        hidden = F.relu(self.decoder_dense(torch.cat([repeated, target_steps], dim=2)))
        return self.decoder_out(hidden)  # [batch, H, 3] raw


def to_quantiles(raw):
    centre, lower, upper = raw[..., 0:1], raw[..., 1:2], raw[..., 2:3]
    return torch.cat([centre - F.softplus(lower), centre, centre + F.softplus(upper)], dim=2)


def pinball_loss(targets, mask, quantiles, levels):
    error = targets.unsqueeze(2) - quantiles
    loss = torch.maximum(levels * error, (levels - 1) * error)
    masked = loss * mask.unsqueeze(2)
    observed = torch.clamp(mask.sum(), min=1.0)
    return masked.sum() / (observed * len(QUANTILE_LEVELS))


def load_weights(model, weights):
    """tfjs layer weights (kernel [in, out]) -> PyTorch (weight [out, in])."""
    w = {k: torch.from_numpy(v) for k, v in weights.items()}
    with torch.no_grad():
        lstm = model.encoder_lstm
        lstm.weight_ih_l0.copy_(w['encoder_lstm/kernel'].t())
        lstm.weight_hh_l0.copy_(w['encoder_lstm/recurrent_kernel'].t())
        lstm.bias_ih_l0.copy_(w['encoder_lstm/bias'])
        lstm.bias_hh_l0.zero_()  # Keras has one bias per gate; PyTorch adds two.
        for name in ('encoder_dense', 'decoder_dense', 'decoder_out'):
            layer = getattr(model, name)
            layer.weight.copy_(w[f'{name}/kernel'].t())
            layer.bias.copy_(w[f'{name}/bias'])


def read_bin(directory, entry, dtype):
    data = np.fromfile(os.path.join(directory, entry['file']), dtype=dtype)
    return data.reshape(entry['shape'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('data_dir')
    parser.add_argument('--epochs', type=int, default=None, help='default: meta.json epochs')
    parser.add_argument('--forecasts', type=int, default=200, help='timed single-sample forward passes')
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    meta = json.load(open(os.path.join(args.data_dir, 'meta.json')))
    if meta.get('byteOrder', 'LE') != 'LE':
        sys.exit('tensors were written big-endian; this reader expects little-endian')
    t = meta['tensors']
    history = torch.from_numpy(read_bin(args.data_dir, t['history'], '<f4'))
    context = torch.from_numpy(read_bin(args.data_dir, t['context'], '<f4'))
    target_steps = torch.from_numpy(read_bin(args.data_dir, t['targetSteps'], '<f4'))
    targets = torch.from_numpy(read_bin(args.data_dir, t['targets'], '<f4'))
    mask = torch.from_numpy(read_bin(args.data_dir, t['mask'], '<f4'))
    count = meta['count']
    hp = meta['hyperparameters']
    epochs = args.epochs if args.epochs is not None else meta['epochs']

    model = GridcastLstm(
        history.shape[2], context.shape[1], target_steps.shape[1], target_steps.shape[2], hp['hiddenUnits'], hp['decoderUnits']
    )
    # Same starting point as tfjs: its initial weights, checked on a few samples of its own output.
    check = {}
    if 'initialWeights' in meta:
        load_weights(model, {k: read_bin(args.data_dir, v, '<f4') for k, v in meta['initialWeights'].items()})
        if 'initialOutput' in meta:
            expected = torch.from_numpy(read_bin(args.data_dir, meta['initialOutput'], '<f4'))
            n = expected.shape[0]
            with torch.no_grad():
                got = model(history[:n], context[:n], target_steps[:n])
            check['initialOutputMaxAbsDiff'] = float((got - expected).abs().max())
            check['initialOutputMaxAbs'] = float(expected.abs().max())

    orders = None
    if 'order' in meta:
        orders = torch.from_numpy(read_bin(args.data_dir, meta['order'], '<i4').astype(np.int64))

    levels = torch.tensor(QUANTILE_LEVELS, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=hp['learningRate'], betas=(0.9, 0.999), eps=meta.get('adamEpsilon', 1e-7))
    batch_size = hp['batchSize']
    generator = torch.Generator().manual_seed(hp['seed'])
    epoch_seconds, epoch_loss = [], []
    model.train()
    for epoch in range(epochs):
        started = time.perf_counter()
        # The same batches as tfjs when its shuffle order was passed along, else our own shuffle.
        order = orders[epoch] if orders is not None and epoch < orders.shape[0] else torch.randperm(count, generator=generator)
        loss_sum = torch.zeros(())
        batches = 0
        for start in range(0, count, batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            raw = model(history.index_select(0, idx), context.index_select(0, idx), target_steps.index_select(0, idx))
            loss = pinball_loss(targets.index_select(0, idx), mask.index_select(0, idx), to_quantiles(raw), levels)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach()
            batches += 1
        mean_loss = float(loss_sum) / max(batches, 1)
        epoch_seconds.append(time.perf_counter() - started)
        epoch_loss.append(mean_loss)

    # Forecast cost: one sample at a time, like the platform's hourly forecast (network + quantile head).
    model.eval()
    times = []
    with torch.inference_mode():
        for i in range(20 + args.forecasts):
            j = (count - 1 - i) % count
            started = time.perf_counter()
            q = to_quantiles(model(history[j:j + 1], context[j:j + 1], target_steps[j:j + 1])).numpy()
            elapsed = time.perf_counter() - started
            if i >= 20:  # first passes warm allocator and caches
                times.append(elapsed)
    assert q.shape == (1, target_steps.shape[1], 3)

    print(json.dumps({
        'epochSeconds': epoch_seconds,
        'epochLoss': epoch_loss,
        'forecastMs': statistics.median(times) * 1000,
        'forecasts': len(times),
        'samples': count,
        'threads': torch.get_num_threads(),
        'torchVersion': torch.__version__,
        'sameInitialWeights': 'initialWeights' in meta,
        'sameBatchOrder': orders is not None,
        **check,
    }))


if __name__ == '__main__':
    main()
