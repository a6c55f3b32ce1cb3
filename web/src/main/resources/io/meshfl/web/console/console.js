// The console's shared script: requests that change something carry the session's CSRF token (the
// double-submit cookie meshfl_csrf, echoed in a header the server compares with the session's), and
// the signed-in user's key, kept in this browser's IndexedDB as a non-extractable CryptoKey by the
// login page, signs what the user submits (a job ticket) without ever leaving the browser.
(function () {
  'use strict';
  function cookie(name) {
    const m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : '';
  }
  function request(url, options) {
    const o = Object.assign({credentials: 'same-origin'}, options || {});
    o.headers = Object.assign({'X-MeshFL-CSRF': cookie('meshfl_csrf')}, o.headers || {});
    return fetch(url, o);
  }
  async function problem(response) {
    try {
      const p = await response.json();
      return (p.code ? p.code + ': ' : '') + (p.detail || p.title || response.statusText);
    } catch (e) {
      return response.status + ' ' + response.statusText;
    }
  }
  function keyStore(mode, work) {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('meshfl', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('keys');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction('keys', mode);
        const req = work(tx.objectStore('keys'));
        tx.oncomplete = () => resolve(req ? req.result : undefined);
        tx.onerror = () => reject(tx.error);
      };
    });
  }
  const key = {
    save: (k) => keyStore('readwrite', s => s.put(k, 'signing')),
    load: () => keyStore('readonly', s => s.get('signing')),
    forget: () => keyStore('readwrite', s => s.delete('signing')),
  };
  function b64(bytes) {
    let s = '';
    const a = new Uint8Array(bytes);
    for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
    return btoa(s);
  }
  function unb64(text) {
    const s = atob(text);
    const a = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a;
  }
  async function sign(bytes) {
    const k = await key.load();
    if (!k) throw new Error('this browser holds no signing key for the session: log in again with your key');
    const alg = k.privateKey.algorithm.name === 'ECDSA' ? {name: 'ECDSA', hash: 'SHA-256'} : {name: 'RSASSA-PKCS1-v1_5'};
    return {signature: b64(await crypto.subtle.sign(alg, k.privateKey, bytes)), certificate: k.certificate};
  }
  // plans a job, has the user's key sign its ticket, and submits it: resolves to the started run ({run_id, job_id})
  async function submit(yaml, acceptWarnings) {
    const d = await request('/api/jobs/draft', {method: 'POST', headers: {'Content-Type': 'application/yaml'}, body: yaml});
    if (!d.ok) throw new Error(await problem(d));
    const draft = await d.json();
    const s = await sign(unb64(draft.ticket));
    const r = await request('/api/jobs', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({draft: draft.draft, signature: s.signature, certificate: s.certificate, accept_warnings: !!acceptWarnings})});
    if (!r.ok) throw new Error(await problem(r));
    return r.json();
  }
  async function logout(e) {
    if (e) e.preventDefault();
    await request('/console/logout', {method: 'POST'});
    await key.forget();
    location.href = '/console/login';
  }
  window.meshfl = {request, problem, submit, key, b64, unb64};
  document.addEventListener('DOMContentLoaded', () => {
    const out = document.querySelector('form.logout');
    if (out) out.addEventListener('submit', logout);
  });
})();
