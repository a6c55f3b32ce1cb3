// The audit page's "Verify chains" button (the operator's): asks the API to verify the catalog's hash chains and
// signed seals and shows the answer in #verify-result, built from text nodes so nothing in it is read as HTML.
(function () {
  'use strict';
  function line(parent, tag, text, cls) {
    const e = document.createElement(tag);
    e.textContent = text;
    if (cls) e.className = cls;
    parent.appendChild(e);
    return e;
  }
  async function verify(button, out) {
    button.disabled = true;
    out.textContent = 'verifying…';
    out.className = 'muted';
    out.removeAttribute('data-ok');
    try {
      const r = await window.meshfl.request('/api/audit/verify');
      out.textContent = '';
      if (!r.ok) {
        out.className = 'problem';
        out.textContent = await window.meshfl.problem(r);
        return;
      }
      const v = await r.json();
      out.className = v.ok ? 'notice' : 'problem';
      out.setAttribute('data-ok', String(!!v.ok));
      line(out, 'p', (v.ok ? 'ok: ' : 'findings: ') + v.audit_records + ' audit records, ' + v.ledger_entries + ' ledger entries, '
        + v.seals + ' seals (' + v.signed_seals + ' signed)', v.ok ? 'ok' : 'bad');
      if (v.findings && v.findings.length) {
        const ul = line(out, 'ul', '');
        ul.id = 'verify-findings';
        v.findings.forEach(f => line(ul, 'li', f.chain + ' #' + f.seq + ': ' + f.what));
      }
      (v.notes || []).forEach(n => line(out, 'p', n, 'muted'));
    } catch (e) {
      out.className = 'problem';
      out.textContent = String(e && e.message || e);
    } finally {
      button.disabled = false;
    }
  }
  document.addEventListener('DOMContentLoaded', () => {
    const button = document.getElementById('audit-verify');
    const out = document.getElementById('verify-result');
    if (button && out) button.addEventListener('click', () => verify(button, out));
  });
})();
