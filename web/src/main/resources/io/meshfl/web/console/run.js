// The live run page: follows the run's server-sent events (every committed round, those already
// committed first, then one 'ended'), grows the curves and the rounds table round by round, shows
// the run's end, and sends the cancel request. Values reach the page only as text, never as markup.
(function () {
  'use strict';
  const COLORS = ['#2f5bd3', '#c0392b', '#1f8a4c', '#b7791f', '#7b3fb5', '#0f8b8d', '#d35400', '#34495e', '#e84393', '#6c7a89'];
  const HEIGHT = 220;

  // the same numbers the server writes: whole ones as they are, others to four decimals
  function num(v) {
    if (typeof v !== 'number' || !isFinite(v)) return String(v);
    return Number.isInteger(v) ? String(v) : v.toFixed(4);
  }

  function metricsText(m) {
    return Object.keys(m || {}).filter(k => typeof m[k] === 'number').map(k => k + '=' + num(m[k])).join(', ');
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const box = document.getElementById('run-curves');
    if (!box) return;
    const runId = box.dataset.run;
    const body = document.querySelector('#run-rounds tbody');
    const counter = document.getElementById('round-count');
    const message = document.getElementById('run-message');
    const cancel = document.getElementById('run-cancel');
    const rounds = new Map();
    const charts = {};
    let drawing = false;

    function count() {
      counter.textContent = String(body.querySelectorAll('tr[data-round]').length);
    }

    // one row per round: the server wrote those committed before the page loaded, the events bring them again and the rest
    function addRow(x) {
      if (body.querySelector('tr[data-round="' + x.round + '"]')) return;
      const none = body.querySelector('tr.none');
      if (none) none.remove();
      const tr = document.createElement('tr');
      tr.dataset.round = String(x.round);
      const failed = Object.keys(x.failures || {});
      cell(tr, String(x.round), 'num');
      cell(tr, String(x.nodes_ok), 'num');
      cell(tr, String(x.nodes_failed) + (failed.length ? ' (' + failed.join(', ') + ')' : ''), 'num');
      cell(tr, num(x.seconds), 'num');
      cell(tr, String(x.bytes_sent), 'num');
      cell(tr, String(x.bytes_received), 'num');
      cell(tr, metricsText(x.metrics));
      let after = null;
      for (const row of body.querySelectorAll('tr[data-round]')) {
        if (Number(row.dataset.round) > x.round) { after = row; break; }
      }
      body.insertBefore(tr, after);
      count();
    }

    function chart(id, labels, data) {
      const el = document.getElementById(id);
      if (!el || typeof uPlot === 'undefined') return;
      const old = charts[id];
      if (old && old.labels.join('\u0000') === labels.join('\u0000')) {
        old.plot.setData(data);
        return;
      }
      if (old) old.plot.destroy();
      const opts = {
        width: Math.max(300, el.clientWidth || 600), height: HEIGHT,
        scales: {x: {time: false}},
        axes: [{label: 'round'}, {}],
        series: [{label: 'round'}].concat(labels.map((l, i) => ({
          label: l, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true, points: {show: true, size: 5},
        }))),
      };
      charts[id] = {labels: labels, plot: new uPlot(opts, data, el)};
    }

    // drawn once per frame: the events of a finished run's rounds arrive all at once
    function draw() {
      drawing = false;
      const xs = Array.from(rounds.keys()).sort((a, b) => a - b);
      const all = xs.map(r => rounds.get(r));
      const keys = [];
      for (const x of all) {
        for (const k of Object.keys(x.metrics || {})) if (typeof x.metrics[k] === 'number' && !keys.includes(k)) keys.push(k);
      }
      const pick = (k) => all.map(x => (x.metrics && typeof x.metrics[k] === 'number') ? x.metrics[k] : null);
      chart('chart-metrics', keys, [xs].concat(keys.map(pick)));
      chart('chart-bytes', ['bytes sent', 'bytes received'], [xs, all.map(x => x.bytes_sent), all.map(x => x.bytes_received)]);
      chart('chart-seconds', ['seconds'], [xs, all.map(x => x.seconds)]);
    }

    function redraw() {
      if (!drawing) {
        drawing = true;
        requestAnimationFrame(draw);
      }
    }

    window.addEventListener('resize', () => {
      for (const id of Object.keys(charts)) {
        const el = document.getElementById(id);
        if (el) charts[id].plot.setSize({width: Math.max(300, el.clientWidth), height: HEIGHT});
      }
    });

    async function showModels() {
      const list = document.getElementById('run-models');
      if (!list || list.querySelector('a')) return;
      const r = await window.meshfl.request('/api/runs/' + encodeURIComponent(runId));
      if (!r.ok) return;
      const run = await r.json();
      if (!run.models || !run.models.length) return;
      list.textContent = '';
      for (const id of run.models) {
        const li = document.createElement('li');
        const a = document.createElement('a');
        a.href = '/console/models/' + encodeURIComponent(id);
        a.textContent = id;
        li.appendChild(a);
        list.appendChild(li);
      }
    }

    function showReport() {
      const p = document.getElementById('run-report');
      if (!p || !p.dataset.report || p.querySelector('a')) return;
      const a = document.createElement('a');
      a.href = p.dataset.report;
      a.textContent = 'Report';
      p.textContent = '';
      p.classList.remove('muted');
      p.appendChild(a);
    }

    function ended(run) {
      // a run seen ending here has its report; one that had ended before the page came either shows its link already or has none
      const sawItEnd = box.dataset.status === 'RUNNING';
      const status = document.getElementById('run-status');
      status.className = 'run-status ' + run.status;
      status.querySelector('.state').textContent = run.status;
      status.querySelector('.run-error').textContent = run.error ? ': ' + run.error : '';
      box.dataset.status = run.status;
      if (cancel) cancel.hidden = true;
      if (run.status === 'SUCCEEDED') showModels().catch(() => {});
      if (sawItEnd) showReport();
    }

    const events = new EventSource('/api/runs/' + encodeURIComponent(runId) + '/events');
    events.addEventListener('round', (e) => {
      const x = JSON.parse(e.data);
      rounds.set(x.round, x);
      addRow(x);
      redraw();
    });
    events.addEventListener('ended', (e) => {
      // closed here, or the browser would reconnect and hear every round again
      events.close();
      ended(JSON.parse(e.data));
    });
    events.addEventListener('error', () => {
      if (events.readyState === EventSource.CLOSED && message) {
        message.className = 'run-message problem';
        message.textContent = 'The run\'s events stopped; reload the page to follow it again.';
      }
    });

    if (cancel) {
      cancel.addEventListener('click', async () => {
        cancel.disabled = true;
        message.className = 'run-message';
        message.textContent = 'Cancelling…';
        try {
          const r = await window.meshfl.request('/api/runs/' + encodeURIComponent(runId) + '/cancel', {method: 'POST'});
          if (!r.ok) {
            message.className = 'run-message problem';
            message.textContent = await window.meshfl.problem(r);
            cancel.disabled = false;
            return;
          }
          let answer = null;
          try { answer = await r.json(); } catch (e) { answer = null; }
          message.className = 'run-message notice';
          message.textContent = 'Cancel requested' + (answer && (answer.status || answer.detail) ? ': ' + (answer.detail || answer.status) : '')
            + '. The run stops at its next step.';
        } catch (e) {
          message.className = 'run-message problem';
          message.textContent = 'The cancel request did not reach the server: ' + e.message;
          cancel.disabled = false;
        }
      });
    }
  });
})();
