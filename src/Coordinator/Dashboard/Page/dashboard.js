// dpt train --dashboard: draws what api/events streams. Each event carries the run, the epochs not sent before
// on this stream (from epochs_from on), the per-step curves downsampled to a few hundred points, and the workers.
// window.dashboard counts the events drawn, for whoever wants to know the page is live.
'use strict';
(() => {
  const $ = id => document.getElementById(id);
  const colour = {
    train: '#1f77b4', test: '#d62728', validation: '#2ca02c',
    compute: '#1f77b4', straggler: '#ff7f0e', optimizer: '#2ca02c', communication: '#9467bd',
  };
  const state = { updates: 0, epochs: [], last: null };
  window.dashboard = state;

  function lineChart(id, xTitle, yTitle, series, stacked) {
    return new Chart($(id), {
      type: 'line',
      data: {
        datasets: series.map((s, i) => ({
          label: s.label, data: [], borderColor: colour[s.key], backgroundColor: stacked ? colour[s.key] + 'aa' : colour[s.key],
          borderWidth: 1.5, pointRadius: s.pointRadius ?? 2, fill: stacked ? (i === 0 ? 'origin' : '-1') : false,
        })),
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        plugins: { legend: { position: 'bottom', labels: { filter: (item, data) => data.datasets[item.datasetIndex].data.length > 0 } } },
        scales: {
          x: { type: 'linear', title: { display: true, text: xTitle } },
          y: { stacked: !!stacked, beginAtZero: !!stacked, title: { display: true, text: yTitle } },
        },
      },
    });
  }

  const charts = {
    loss: lineChart('loss-chart', 'epoch', 'loss', [
      { key: 'train', label: 'train loss' }, { key: 'test', label: 'test loss' }, { key: 'validation', label: 'validation loss' }]),
    accuracy: lineChart('accuracy-chart', 'epoch', 'accuracy (%)', [
      { key: 'train', label: 'train accuracy' }, { key: 'test', label: 'test accuracy' }, { key: 'validation', label: 'validation accuracy' }]),
    steps: lineChart('step-loss-chart', 'step', 'loss', [{ key: 'train', label: 'batch loss', pointRadius: 0 }]),
    split: lineChart('split-chart', 'step', 'ms per step', [
      { key: 'compute', label: 'compute', pointRadius: 0 }, { key: 'straggler', label: 'waiting for stragglers', pointRadius: 0 },
      { key: 'optimizer', label: 'optimizer', pointRadius: 0 }, { key: 'communication', label: 'communication', pointRadius: 0 }], true),
  };

  const number = (x, digits) => x === null || x === undefined ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const percent = x => x === null || x === undefined ? '–' : (100 * x).toFixed(2) + '%';
  const ms = x => x === null || x === undefined ? '–' : x.toFixed(3) + ' ms';
  const pct = x => x === null || x === undefined ? null : 100 * x;

  function facts(list, pairs) {
    list.replaceChildren(...pairs.map(([name, value]) => {
      const item = document.createElement('div');
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = name;
      dd.textContent = value;
      item.append(dt, dd);
      return item;
    }));
  }

  function setData(chart, index, points) {
    chart.data.datasets[index].data = points;
  }

  function drawRun(run) {
    const d = run.run;
    document.body.dataset.status = run.status;
    $('status').textContent = run.status;
    $('detail').textContent = run.detail ?? '';
    if (d) {
      $('title').textContent = `dpt train: ${d.model} on ${d.dataset} (${d.mode} mode)`;
      document.title = `dpt: ${run.status}, epoch ${run.epoch}/${d.epochs}`;
    }
    facts($('facts'), [
      ['epoch', d ? `${run.epoch}/${d.epochs}` : '–'],
      ['step', d && run.step_in_epoch !== null ? `${number(run.step, 0)} (${run.step_in_epoch}/${d.steps_per_epoch} in the epoch)` : number(run.step, 0)],
      ['samples/s', number(run.samples_per_s, 0)],
      ['batch loss', number(run.loss, 4)],
      ['learning rate', run.learning_rate === null ? '–' : run.learning_rate.toPrecision(4)],
      ['workers', String(run.workers)],
      ['elapsed', number(run.elapsed_s, 1) + ' s'],
    ]);
    if (d) {
      facts($('run'), [
        ['data set', `${d.dataset}: ${number(d.train_samples, 0)} training` + (d.test_samples ? `, ${number(d.test_samples, 0)} test` : '')
          + (d.validation_samples ? `, ${number(d.validation_samples, 0)} validation` : '')],
        ['model', d.model], ['optimizer', d.optimizer], ['schedule', d.schedule], ['batch', String(d.batch_size)], ['seed', String(d.seed)],
        ['workers', d.mode === 'cluster' ? `${d.local_workers} local, at least ${d.min_workers}` : String(d.local_workers)],
        ['run folder', d.run_folder],
      ]);
    }
    const s = run.split_ms;
    $('split-note').textContent = s
      ? `last seconds: step ${ms(s.step_ms)} = compute ${ms(s.compute_ms)} + waiting for stragglers ${ms(s.straggler_ms)} + optimizer ${ms(s.optimizer_ms)} + communication ${ms(s.communication_ms)}`
      : 'no step yet';
  }

  function drawEpochs() {
    const e = state.epochs;
    setData(charts.loss, 0, e.map(r => ({ x: r.epoch, y: r.train_loss })));
    setData(charts.loss, 1, e.filter(r => r.test_loss !== null).map(r => ({ x: r.epoch, y: r.test_loss })));
    setData(charts.loss, 2, e.filter(r => r.validation_loss !== null).map(r => ({ x: r.epoch, y: r.validation_loss })));
    setData(charts.accuracy, 0, e.map(r => ({ x: r.epoch, y: pct(r.train_accuracy) })));
    setData(charts.accuracy, 1, e.filter(r => r.test_accuracy !== null).map(r => ({ x: r.epoch, y: pct(r.test_accuracy) })));
    setData(charts.accuracy, 2, e.filter(r => r.validation_accuracy !== null).map(r => ({ x: r.epoch, y: pct(r.validation_accuracy) })));
  }

  function drawSteps(steps) {
    const p = steps.points;
    setData(charts.steps, 0, p.map(q => ({ x: q.last_step, y: q.loss })));
    ['compute_ms', 'straggler_ms', 'optimizer_ms', 'communication_ms'].forEach((key, i) => setData(charts.split, i, p.map(q => ({ x: q.last_step, y: q[key] }))));
    const width = p.length > 0 ? Math.round(steps.steps / p.length) : 0;
    $('steps-note').textContent = p.length === 0 ? 'no step yet'
      : `${number(steps.steps, 0)} steps, ${width <= 1 ? 'one step a point' : `means of about ${width} steps a point`}`;
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
  }

  function drawWorkers(workers) {
    const body = $('workers').tBodies[0];
    body.replaceChildren();
    for (const w of workers) {
      const row = body.insertRow();
      row.dataset.worker = w.name;
      cell(row, w.name);
      cell(row, w.node);
      cell(row, w.state, 'state-' + w.state);
      cell(row, number(w.samples_per_s, 0));
      cell(row, number(w.compute_samples_per_s, 0));
      cell(row, percent(w.share));
      cell(row, number(w.shards, 0));
      cell(row, ms(w.mean_compute_ms));
      cell(row, w.last_shard_ago_s === null ? 'none yet' : `${number(w.last_shard_ago_s, 1)} s ago`);
      cell(row, w.last_heartbeat_ago_s === null ? '–' : `${number(w.last_heartbeat_ago_s, 1)} s ago`);
    }
  }

  function draw(update) {
    state.epochs.length = Math.min(state.epochs.length, update.epochs_from);
    state.epochs.push(...update.epochs);
    drawRun(update.run);
    drawEpochs();
    drawSteps(update.steps);
    drawWorkers(update.workers);
    Object.values(charts).forEach(c => c.update('none'));
    state.updates++;
    state.last = update;
  }

  const source = new EventSource('api/events');
  source.addEventListener('update', e => {
    $('connection').textContent = '';
    const update = JSON.parse(e.data);
    draw(update);
    // The server ends the stream once the run has ended: nothing more will come.
    if (update.run.status === 'finished' || update.run.status === 'failed') source.close();
  });
  source.addEventListener('error', () => {
    $('connection').textContent = source.readyState === EventSource.CLOSED ? ' (disconnected)' : ' (connection lost; retrying)';
  });
})();
