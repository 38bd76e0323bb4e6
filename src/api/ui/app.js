// The built-in operator page: every number comes from /api/v1 (the same API utilities and Grafana use).
// Plain browser JavaScript, no build step; uPlot is loaded before this file (window.uPlot).
'use strict';

(function () {
  const HOUR = 3600e3;
  const TARGETS = ['load', 'pv', 'wind'];
  /** The weather forecast shown next to PV and wind: the variable that drives each (first one present). */
  const WEATHER_DRIVER = {
    pv: { fields: ['ghiWm2'], label: 'irradiance', unit: 'W/m²' },
    wind: { fields: ['windSpeed100mMs', 'windSpeed10mMs'], label: 'wind speed', unit: 'm/s' },
  };
  const params = new URLSearchParams(location.search);
  const refreshSeconds = Math.max(2, Number(params.get('refresh')) || 30);
  const state = { key: localStorage.getItem('gridcast.key') || '', site: params.get('site') || '', charts: new Map(), refreshes: 0 };

  const $ = (sel) => document.querySelector(sel);
  const setStatus = (text, error) => {
    $('#status').textContent = text;
    $('#status').classList.toggle('error', Boolean(error));
  };

  class NeedKey extends Error {}
  class NotFound extends Error {}

  async function api(path) {
    const headers = { Accept: 'application/json' };
    if (state.key) headers.Authorization = `Bearer ${state.key}`;
    const res = await fetch(`/api/v1${path}`, { headers });
    if (res.status === 401) throw new NeedKey();
    if (res.status === 404) throw new NotFound();
    const body = await res.json();
    if (!res.ok) throw new Error(`${body.title || res.status}: ${body.detail || ''}`);
    return body;
  }

  const seconds = (iso) => Date.parse(iso) / 1000;
  const fmt = (v, digits = 1) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));

  /** Replaces the chart in `el` (uPlot does not reshape series in place). */
  function draw(id, el, opts, data) {
    const old = state.charts.get(id);
    if (old) old.destroy();
    const chart = new uPlot({ width: Math.max(320, el.clientWidth), height: 220, ...opts }, data, el);
    state.charts.set(id, chart);
  }

  function clear(id) {
    const old = state.charts.get(id);
    if (old) old.destroy();
    state.charts.delete(id);
  }

  /** Actual (site total per hour) vs the latest forecast's P50 with its P10–P90 band, 24 h back to 48 h ahead. */
  async function targetPanel(target, shared) {
    const panel = $(`#panel-${target}`);
    const from = Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;
    const to = from + 72 * HOUR;
    const q = (o) => new URLSearchParams(o).toString();
    // PV and wind: the weather forecast that drives them (irradiance, wind speed), on a second axis.
    const driver = WEATHER_DRIVER[target];
    const { models, training } = shared;
    const [actual, forecast, weather] = await Promise.all([
      api(`/telemetry?${q({ site: state.site, kind: target, field: 'power_kw', from: String(from), to: 'now', resolution: '1h', aggregation: 'mean', groupBy: 'site', combine: 'sum' })}`),
      api(`/forecasts?${q({ site: state.site, feeder: 'all', target, from: String(from), to: String(to) })}`),
      driver ? api(`/weather-forecasts?${q({ site: state.site, from: String(from + 24 * HOUR), to: String(to) })}`) : Promise.resolve({ points: [] }),
    ]);
    const rows = new Map();
    const row = (t) => rows.get(t) || rows.set(t, [null, null, null, null, null]).get(t);
    for (const s of actual.series) for (const p of s.points) row(seconds(p.time))[0] = p.value;
    for (const p of forecast.points) {
      const r = row(seconds(p.time));
      r[1] = p.p10Kw;
      r[2] = p.p50Kw;
      r[3] = p.p90Kw;
    }
    const weatherPoints = driver ? weather.points.filter((p) => driver.fields.some((f) => p[f] !== undefined)) : [];
    for (const p of weatherPoints) row(seconds(p.time))[4] = driver.fields.map((f) => p[f]).find((v) => v !== undefined);
    const times = [...rows.keys()].sort((a, b) => a - b);
    const points = actual.series.reduce((n, s) => n + s.points.length, 0) + forecast.points.length;
    panel.dataset.points = String(points);
    panel.dataset.weatherPoints = String(weatherPoints.length);
    const usedModels = [...new Set(forecast.points.map((p) => p.model))];
    const read = forecast.weatherForecast ? ` It read the ${forecast.weatherForecast.source} weather forecast issued ${forecast.weatherForecast.issuedAt.slice(0, 16).replace('T', ' ')} UTC.` : '';
    const shown = weatherPoints.length ? ` Dotted: ${driver.label} forecast (${weatherPoints.at(-1).source}).` : '';
    const series = models.find((m) => m.site === state.site && m.feeder === 'all' && m.target === target);
    const newest = forecast.points.reduce((a, p) => (!a || p.issuedAt > a.issuedAt ? p : a), undefined);
    const fellBack = series && series.lastFallback && newest && newest.model === series.lastFallback.used ? ` ${series.serving} could not forecast: ${series.lastFallback.reason}.` : '';
    // A model trained but a baseline still serves: say why (the decision's reason names both MAEs).
    const decision = series && series.lastDecision;
    const notPromoted = decision && decision.action === 'keep' && series.serving && !series.serving.startsWith('lstm@') ? ` The last model trained does not serve: ${decision.reason}.` : '';
    const run = training.find((t) => t.site === state.site && t.feeder === 'all' && t.target === target);
    const trainingNote = !run ? '' : run.phase === 'training' ? ` Training ${target} model: epoch ${run.epoch}/${run.epochs}.` : run.phase === 'validating' ? ` Training ${target} model: validating it against the baselines.` : ` Training ${target} model: reading the history.`;
    panel.dataset.model = newest ? newest.model : '';
    panel.dataset.training = run ? run.phase : '';
    panel.querySelector('.note').textContent =
      points === 0
        ? `No ${target} telemetry or forecast for ${state.site} yet.${trainingNote}`
        : `${actual.series.length ? '' : 'No actuals yet. '}${usedModels.length ? `Forecast by ${usedModels.join(', ')}, issued ${forecast.points.at(-1).issuedAt.slice(0, 16).replace('T', ' ')} UTC.${read}${fellBack}${notPromoted}` : 'No forecast yet.'}${trainingNote}${shown}`;
    if (points === 0) return clear(target);
    const col = (i) => times.map((t) => rows.get(t)[i]);
    draw(target, panel.querySelector('.plot'), {
      series: [
        {},
        { label: 'actual kW', stroke: '#1f6feb', width: 2 },
        { label: 'P10 kW', stroke: 'rgba(207,34,46,0.35)', width: 1 },
        { label: 'P50 kW', stroke: '#cf222e', width: 2, dash: [6, 4] },
        { label: 'P90 kW', stroke: 'rgba(207,34,46,0.35)', width: 1 },
        ...(weatherPoints.length ? [{ label: `${driver.label} ${driver.unit}`, stroke: '#8250df', width: 1.5, dash: [2, 3], scale: 'weather' }] : []),
      ],
      bands: [{ series: [4, 2], fill: 'rgba(207,34,46,0.12)' }],
      axes: [{}, { label: 'kW' }, ...(weatherPoints.length ? [{ scale: 'weather', side: 1, label: driver.unit, grid: { show: false } }] : [])],
    }, [times, col(0), col(1), col(2), col(3), ...(weatherPoints.length ? [col(4)] : [])]);
    return points;
  }

  /** Battery power and state of charge, and grid import/export, from the stored plan (when there is one). */
  async function dispatchPanel() {
    const panel = $('#panel-dispatch');
    let plan;
    try {
      plan = await api(`/dispatch?site=${encodeURIComponent(state.site)}`);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      panel.dataset.points = '0';
      panel.querySelector('.note').textContent = `No dispatch plan for ${state.site} yet.`;
      $('#plan-info').textContent = '';
      $('#recommendations').replaceChildren();
      clear('battery');
      clear('grid');
      return 0;
    }
    const times = plan.steps.map((s) => seconds(s.time));
    const batteries = [...new Set(plan.steps.flatMap((s) => s.batteries.map((b) => b.id)))];
    const batteryOf = (s, id) => s.batteries.find((b) => b.id === id);
    // Savings against an infeasible do-nothing plan would be mostly penalty: say what it leaves undone instead.
    const against = plan.doNothing.feasible ? `saves ${fmt(plan.savings, 2)}` : `doing nothing would leave ${fmt(plan.doNothing.unservedKwh, 0)} kWh unserved`;
    $('#plan-info').textContent = `issued ${plan.issuedAt.slice(0, 16).replace('T', ' ')} UTC · cost ${fmt(plan.cost.total, 2)} ${plan.currency} · ${against}`;
    panel.querySelector('.note').textContent = plan.diagnosis.feasible ? '' : `Not feasible as asked: ${plan.diagnosis.issues.map((i) => i.message).join('; ')}`;
    $('#recommendations').replaceChildren(
      ...plan.recommendations.slice(0, 6).map((r) => {
        const li = document.createElement('li');
        // The reason already says what, how much and when (in the site's time zone): asset first, then it.
        li.textContent = `${r.asset}: ${r.reason}`;
        return li;
      }),
    );
    draw('battery', $('#plot-battery'), {
      series: [{}, ...batteries.flatMap((id, i) => [
        { label: `${id} kW (+ discharge)`, stroke: ['#8250df', '#bf8700', '#0969da'][i % 3], width: 2, scale: 'kW' },
        { label: `${id} SoC %`, stroke: ['#8250df', '#bf8700', '#0969da'][i % 3], width: 1, dash: [3, 3], scale: '%' },
      ])],
      axes: [{}, { scale: 'kW', label: 'kW' }, { scale: '%', label: 'SoC %', side: 1, grid: { show: false } }],
      scales: { '%': { range: [0, 100] } },
    }, [times, ...batteries.flatMap((id) => [plan.steps.map((s) => batteryOf(s, id)?.powerKw ?? null), plan.steps.map((s) => batteryOf(s, id)?.socPct ?? null)])]);
    draw('grid', $('#plot-grid'), {
      series: [{}, { label: 'import kW', stroke: '#cf222e', width: 2 }, { label: 'export kW', stroke: '#1a7f37', width: 2 }, { label: 'net load kW', stroke: '#57606a', width: 1, dash: [4, 4] }],
      axes: [{}, { label: 'kW' }],
    }, [times, plan.steps.map((s) => s.importKw), plan.steps.map((s) => s.exportKw), plan.steps.map((s) => s.netLoadKw)]);
    const points = plan.steps.length;
    panel.dataset.points = String(points);
    return points;
  }

  /** Each rated feeder's highest probability of overload and of reverse flow tomorrow (GET /sites/{site}/congestion). */
  async function congestionPanel() {
    const panel = $('#panel-congestion');
    const note = panel.querySelector('.note');
    let c;
    try {
      c = await api(`/sites/${encodeURIComponent(state.site)}/congestion`);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      $('#congestion tbody').replaceChildren();
      $('#congestion').hidden = true;
      panel.dataset.points = '0';
      note.textContent = `No feeder ratings for ${state.site}: list its feeders under feederRatings in SITES_FILE (ratingKw, reverseRatingKw), and forecast feeders (FORECAST_LEVELS=site,feeder), to see each one's risk of overload and of reverse flow.`;
      return 0;
    }
    $('#congestion').hidden = false;
    const pct = (p) => (p === null ? '–' : `${(100 * p).toFixed(p < 0.1 ? 1 : 0)} %`);
    const when = (iso) => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '');
    $('#congestion tbody').replaceChildren(...c.feeders.map((f) => {
      const tr = document.createElement('tr');
      tr.dataset.feeder = f.feeder;
      // A worst step at (nearly) 0 % says nothing about when.
      const at = (p, iso) => (p !== null && p >= 0.0005 ? when(iso) : '');
      const cells = [f.feeder, `${fmt(f.ratingKw, 0)} kW`, pct(f.maxOverloadProbability), at(f.maxOverloadProbability, f.maxOverloadAt), pct(f.maxReverseFlowProbability), at(f.maxReverseFlowProbability, f.maxReverseFlowAt)];
      for (const [i, text] of cells.entries()) {
        const td = document.createElement('td');
        td.textContent = text;
        const p = i === 2 ? f.maxOverloadProbability : i === 4 ? f.maxReverseFlowProbability : null;
        if (p !== null && p >= 0.2) td.className = 'risk-high';
        else if (p !== null && p >= 0.05) td.className = 'risk-some';
        tr.append(td);
      }
      return tr;
    }));
    const points = c.feeders.reduce((n, f) => n + f.steps.length, 0);
    panel.dataset.points = String(points);
    const unforecast = c.feeders.filter((f) => f.targets.length === 0).map((f) => f.feeder);
    note.textContent = `From the latest forecasts' P10–P90 bands, ${when(c.from)} to ${when(c.to)}.` + (unforecast.length ? ` No forecast for ${unforecast.join(', ')} (FORECAST_LEVELS=site,feeder forecasts feeders).` : '');
    return points;
  }

  async function ingestPanel() {
    const s = await api('/ingest/status');
    const rejected = Object.entries(s.rejectedByReason).filter(([, n]) => n > 0);
    const figures = [
      ['readings accepted', s.readingsTotal === null ? 'no ingester in this process' : String(s.readingsTotal)],
      ['rejected', rejected.length ? rejected.map(([r, n]) => `${r} ${n}`).join(', ') : 'none'],
      ['spool depth', s.spoolDepth === null ? '–' : `${s.spoolDepth} readings`],
      ['newest reading', s.lastReadingAt ? s.lastReadingAt.replace('T', ' ').slice(0, 19) + ' UTC' : 'none yet'],
      [`silent > ${s.silentAfterMinutes} min`, String(s.silentMeters.length)],
    ];
    $('#ingest-figures').replaceChildren(...figures.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      return [dt, dd];
    }));
    $('#silent tbody').replaceChildren(...s.silentMeters.slice(0, 20).map((m) => {
      const tr = document.createElement('tr');
      for (const text of [`${m.site}/${m.feeder}/${m.meter}`, m.kind, m.lastSeenAt.replace('T', ' ').slice(0, 16)]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }));
  }

  async function loadSites() {
    const sites = await api('/sites');
    const select = $('#site');
    select.replaceChildren(...sites.map((s) => new Option(s.site, s.site)));
    if (!sites.some((s) => s.site === state.site)) state.site = sites[0] ? sites[0].site : '';
    select.value = state.site;
    return sites.length;
  }

  async function refresh() {
    try {
      if ((await loadSites()) === 0) {
        setStatus('no telemetry yet: connect meters or run gridcast start --simulate 12');
        await ingestPanel();
        document.body.dataset.ready = 'true';
        return;
      }
      // Once per refresh for every panel: what serves and why, and any training going on (a process without a
      // registry or forecasting answers 503: nothing to say then).
      const [models, status] = await Promise.all([api('/models').catch(() => []), api('/models/training').catch(() => ({ training: [] }))]);
      const shared = { models, training: status.training };
      state.training = shared.training.length > 0;
      const counts = await Promise.all([...TARGETS.map((t) => targetPanel(t, shared)), dispatchPanel(), congestionPanel(), ingestPanel()]);
      const total = counts.reduce((n, c) => n + (c || 0), 0);
      document.body.dataset.points = String(total);
      $('#points').textContent = `${total} points`;
      $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
      setStatus(state.site);
      state.refreshes += 1;
      document.body.dataset.refreshes = String(state.refreshes);
      document.body.dataset.ready = 'true';
      $('#key-form').hidden = true;
    } catch (err) {
      if (err instanceof NeedKey) {
        $('#key-form').hidden = false;
        setStatus(state.key ? 'the key was refused' : 'an API key is needed', true);
      } else {
        setStatus(`refresh failed: ${err.message}`, true);
      }
    }
  }

  $('#refresh-seconds').textContent = String(refreshSeconds);
  $('#site').addEventListener('change', (e) => {
    state.site = e.target.value;
    refresh();
  });
  $('#key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.key = $('#key').value.trim();
    localStorage.setItem('gridcast.key', state.key);
    refresh();
  });
  // While a model trains, every 3 s (its epochs are seconds apart), else every refreshSeconds.
  const loop = async () => {
    await refresh();
    setTimeout(loop, (state.training ? Math.min(3, refreshSeconds) : refreshSeconds) * 1000);
  };
  loop();
})();
