// The job editor: plans the job as it is typed (400 ms after the last key, through the API's plan
// route), shows the plan or the problem, and submits the job signed by the user's key (console.js).
(function () {
  'use strict';
  const DEBOUNCE_MS = 400;

  document.addEventListener('DOMContentLoaded', () => {
    const yaml = document.getElementById('job-yaml');
    if (!yaml) return;
    const plan = document.getElementById('job-plan');
    const strategy = document.getElementById('job-strategy');
    const problem = document.getElementById('job-problem');
    const accept = document.getElementById('job-accept-warnings');
    const submit = document.getElementById('job-submit');
    let timer = null;
    let asked = 0;

    function showProblem(text) {
      problem.textContent = text;
      problem.className = 'problem';
      problem.hidden = false;
      plan.classList.add('stale');
    }

    function clearProblem() {
      problem.textContent = '';
      problem.className = '';
      problem.hidden = true;
      plan.classList.remove('stale');
    }

    async function replan() {
      // only the answer to the latest text is shown: an earlier one may arrive after it
      const mine = ++asked;
      try {
        const r = await window.meshfl.request('/api/plan', {method: 'POST', headers: {'Content-Type': 'application/yaml'}, body: yaml.value});
        if (mine !== asked) return;
        if (!r.ok) {
          const text = await window.meshfl.problem(r);
          if (mine === asked) showProblem(text);
          return;
        }
        const p = await r.json();
        if (mine !== asked) return;
        clearProblem();
        strategy.textContent = 'strategy: ' + p.strategy;
        plan.dataset.strategy = p.strategy;
        plan.dataset.warnings = String((p.warnings || []).length);
        plan.textContent = p.explain;
      } catch (e) {
        if (mine === asked) showProblem('The plan could not be asked for: ' + e.message);
      }
    }

    yaml.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(replan, DEBOUNCE_MS);
    });
    // a text the browser kept from before (back, reload) is planned at once; the template is not a job yet
    if (yaml.value !== yaml.defaultValue) replan();

    submit.addEventListener('click', async () => {
      clearTimeout(timer);
      submit.disabled = true;
      clearProblem();
      try {
        const started = await window.meshfl.submit(yaml.value, accept.checked);
        location.href = '/console/runs/' + encodeURIComponent(started.run_id);
      } catch (e) {
        showProblem(e.message);
        submit.disabled = false;
      }
    });
  });
})();
