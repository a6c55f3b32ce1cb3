// The console's login: the user's certificate and PKCS#8 key are read from local files, the key is
// imported as a non-extractable CryptoKey, signs this server's one-time challenge with the page's
// origin, and is kept in this browser's IndexedDB for signing job tickets later. It is never sent.
(function () {
  'use strict';
  function der(pem, label) {
    const m = pem.match(new RegExp('-----BEGIN ' + label + '-----([\\s\\S]+?)-----END ' + label + '-----'));
    if (!m) throw new Error('the file holds no ' + label);
    return window.meshfl.unb64(m[1].replace(/\s+/g, ''));
  }
  async function importKey(pkcs8) {
    try {
      return await crypto.subtle.importKey('pkcs8', pkcs8, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign']);
    } catch (notEc) {
      return crypto.subtle.importKey('pkcs8', pkcs8, {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}, false, ['sign']);
    }
  }
  async function login(e) {
    e.preventDefault();
    const problem = document.getElementById('login-problem');
    problem.textContent = '';
    problem.className = '';
    try {
      const certFile = document.getElementById('login-certificate').files[0];
      const keyFile = document.getElementById('login-key').files[0];
      if (!certFile || !keyFile) throw new Error('choose your certificate and your key');
      const cert = der(await certFile.text(), 'CERTIFICATE');
      const key = await importKey(der(await keyFile.text(), 'PRIVATE KEY'));
      const c = await fetch('/api/session/challenge', {credentials: 'same-origin'});
      if (!c.ok) throw new Error(await window.meshfl.problem(c));
      const challenge = (await c.json()).challenge;
      const statement = 'meshfl console login v1\norigin=' + location.origin + '\nchallenge=' + challenge;
      const alg = key.algorithm.name === 'ECDSA' ? {name: 'ECDSA', hash: 'SHA-256'} : {name: 'RSASSA-PKCS1-v1_5'};
      const signature = await crypto.subtle.sign(alg, key, new TextEncoder().encode(statement));
      const r = await window.meshfl.request('/api/session', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({certificate: window.meshfl.b64(cert), origin: location.origin, challenge: challenge,
          signature: window.meshfl.b64(signature)})});
      if (!r.ok) throw new Error(await window.meshfl.problem(r));
      await window.meshfl.key.save({privateKey: key, certificate: window.meshfl.b64(cert)});
      location.href = document.getElementById('login').dataset.next;
    } catch (err) {
      problem.className = 'problem';
      problem.textContent = err.message;
    }
  }
  document.addEventListener('DOMContentLoaded', () => document.getElementById('login-form').addEventListener('submit', login));
})();
