"""A client of the MeshFL coordinator's REST API (docs/api.md) for data scientists.

Standard library only; pandas is used by :meth:`MeshflClient.rounds_frame` when it is installed.

    from meshfl_client import MeshflClient
    api = MeshflClient("https://localhost:8443", ca="certs/ca.pem",
                       cert="certs/client-operator.pem", key="certs/client-operator-key.pem")
    for row in api.follow(api.runs(status="RUNNING")[0]["id"]):
        print(row["round"], row.get("auc"))

    run = api.submit("jobs/credit.yaml", follow=True)   # signed with the key file, followed to its end
    api.report(run["id"], "credit-report.html", html=True)
"""

import base64
import json
import os
import pathlib
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["MeshflClient", "MeshflError", "ROUND_FIELDS"]

#: The fields of a round that come before its metrics in :meth:`MeshflClient.rounds`.
ROUND_FIELDS = ("round", "seconds", "bytes_sent", "bytes_received", "nodes_ok", "nodes_failed")


class MeshflError(Exception):
    """An error the API answered as an RFC 9457 problem detail.

    ``status`` is the HTTP status, ``code`` MeshFL's error code (``"MeshFL-301 CATALOG_NOT_FOUND"``),
    ``detail`` what went wrong; ``title`` and ``type`` are the problem's own.
    """

    def __init__(self, status, code, detail, title=None, type=None):
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title
        self.type = type


class MeshflClient:
    """The API of the coordinator at ``url``, called over TLS with a client certificate of the mesh.

    ``ca`` is the mesh CA's certificate (``ca.pem``), the only authority the coordinator's
    certificate is checked against, host name included; ``cert`` and ``key`` are the caller's
    certificate and key (``client-NAME.pem``, ``client-NAME-key.pem``), which decide what it sees;
    ``key`` also signs the tickets of the jobs it submits (:meth:`submit`, with the ``openssl``
    command). List methods fetch every page, ``page_size`` records at a time.
    """

    def __init__(self, url, ca, cert, key, timeout=30.0, page_size=500):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.page_size = page_size
        self.cert = cert
        self.key = key
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # certificate and host name required
        tls.minimum_version = ssl.TLSVersion.TLSv1_3  # all the coordinator speaks
        # Python 3.13's default: older Pythons check the mesh's certificates as strictly
        tls.verify_flags |= ssl.VERIFY_X509_STRICT
        tls.load_verify_locations(cafile=ca)
        tls.load_cert_chain(cert, key)
        self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=tls))

    def get(self, path, **query):
        """Any route of the API as parsed JSON; query parameters that are None are left out."""
        query = {k: v for k, v in query.items() if v is not None}
        return json.loads(self._call("GET", path + ("?" + urllib.parse.urlencode(query) if query else "")))

    def post(self, path, body=None, content_type="application/json"):
        """POSTs to any route and answers its JSON: a dict ``body`` is sent as JSON, text or bytes as they are."""
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        return json.loads(self._call("POST", path, body if body is not None else b"", content_type))

    def _call(self, method, path, body=None, content_type=None, accept="application/json"):
        """The body of the answer to one request; an error answer raises its MeshflError."""
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.url + path, data=body, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            raise _problem(e) from None
        except urllib.error.URLError as e:
            # a refused certificate is an ssl error of its own, not a failed URL
            if isinstance(e.reason, ssl.SSLError):
                raise e.reason from None
            raise

    def _all(self, path, **query):
        items, offset = [], 0
        while offset is not None:
            page = self.get(path, offset=offset, limit=self.page_size, **query)
            items.extend(page["items"])
            offset = page.get("next")
        return items

    def me(self):
        """The calling identity (``identity``) and whether it is the operator (``operator``)."""
        return self.get("/api/me")

    def domains(self):
        """The mesh's domains."""
        return self._all("/api/domains")

    def nodes(self):
        """The nodes the caller may see, with their state and last heartbeat."""
        return self._all("/api/nodes")

    def products(self):
        """The data products the caller may read: columns, label, features, grants, rows."""
        return self._all("/api/products")

    def product(self, product_id):
        """One data product with every version the caller may read (``versions``)."""
        return self.get("/api/products/" + _segment(product_id))

    def runs(self, status=None):
        """The runs the caller may see, newest first; ``status`` keeps those in that state."""
        return self._all("/api/runs", status=status)

    def run(self, run_id):
        """One run with its plan, metrics, every round (``rounds``) and its models' ids."""
        return self.get("/api/runs/" + _segment(run_id))

    def models(self):
        """The models of runs the caller may see, with their provenance, newest first."""
        return self._all("/api/models")

    def model(self, model_id):
        """One model with its provenance (its parameters are not served)."""
        return self.get("/api/models/" + _segment(model_id))

    def openapi(self):
        """The API's OpenAPI 3.1 document."""
        return self.get("/api/openapi.json")

    def rounds(self, run_id):
        """A run's rounds as flat rows: :data:`ROUND_FIELDS`, then each metric as a column of its own
        (a metric named like a round field as ``metrics.NAME``)."""
        return [_round_row(r) for r in self.run(run_id).get("rounds", [])]

    def rounds_frame(self, run_id):
        """:meth:`rounds` as a pandas DataFrame, one row per round."""
        try:
            import pandas
        except ImportError as e:
            raise ImportError("MeshflClient.rounds_frame needs pandas (pip install pandas); "
                              "MeshflClient.rounds gives the same rows as dicts without it") from e
        return pandas.DataFrame(self.rounds(run_id))

    def draft(self, job):
        """Plans ``job`` (see :meth:`submit`) for the caller and answers the ticket to sign: ``draft`` (its id),
        ``ticket`` (base64 of the exact bytes), ``says`` (what they say), ``strategy``, ``explain``, ``warnings``."""
        return self.post("/api/jobs/draft", _job_text(job), "application/yaml")

    def sign(self, data):
        """``data`` signed with the client's key file, as ``openssl dgst -sha256 -sign KEY`` signs it
        (ECDSA over SHA-256 in DER, or RSA PKCS#1 v1.5): the signature the nodes verify a ticket by."""
        done = subprocess.run([_openssl(), "dgst", "-sha256", "-sign", str(self.key)], input=data, capture_output=True,
                              timeout=self.timeout)
        if done.returncode != 0 or not done.stdout:
            raise OSError(f"openssl could not sign with the key {self.key}: "
                          + done.stderr.decode("utf-8", "replace").strip())
        return done.stdout

    def submit(self, job, accept_warnings=False, follow=False, interval=1.0, timeout=None, on_round=None):
        """Runs ``job`` under a ticket signed with the client's key, as ``meshfl run`` does.

        ``job`` is a job file's YAML text, the path of one (a ``str`` naming an existing file, or a
        ``pathlib.Path``), or a dict (sent as JSON, which is YAML too). The coordinator plans it and
        answers its ticket, which is signed here with ``openssl`` (:meth:`sign`) and sent back with
        the client's certificate; a plan with warnings runs only with ``accept_warnings``. Answers
        ``{"run_id", "job_id"}`` once the run started; with ``follow`` it waits for the run's end
        (``interval``, ``timeout`` as in :meth:`follow`, each round to ``on_round`` as it is recorded)
        and answers the ended run as :meth:`run` does: check its ``status``.
        """
        _openssl()  # what is missing is said before anything is asked of the coordinator
        draft = self.draft(job)
        signature = self.sign(base64.b64decode(draft["ticket"]))
        started = self.post("/api/jobs", {
            "draft": draft["draft"],
            "signature": base64.b64encode(signature).decode("ascii"),
            "certificate": base64.b64encode(_certificate_der(self.cert)).decode("ascii"),
            "accept_warnings": bool(accept_warnings),
        })
        if not follow:
            return started
        for row in self.follow(started["run_id"], interval=interval, timeout=timeout):
            if on_round is not None:
                on_round(row)
        return self.run(started["run_id"])

    def cancel(self, run_id):
        """Asks a running run to stop after its current round (its submitter or the operator may)."""
        return self.post("/api/runs/" + _segment(run_id) + "/cancel")

    def report(self, run_id, path=None, html=False):
        """The report of a run that ended, as ``meshfl run`` writes it: JSON (a dict) or, with ``html``, the
        HTML page with its curves (text). With ``path`` it is written there instead and the path is answered.
        A run without a report yet (still running) raises MeshflError 404."""
        route = "/api/runs/" + _segment(run_id) + ("/report.html" if html else "/report")
        body = self._call("GET", route, accept="text/html" if html else "application/json")
        if path is not None:
            path = pathlib.Path(path)
            path.write_bytes(body)
            return path
        return body.decode("utf-8") if html else json.loads(body)

    def follow(self, run_id, interval=1.0, timeout=None):
        """Yields each round of a run once, as :meth:`rounds` does, as it is recorded, until the run ends.

        Polls every ``interval`` seconds while the run is RUNNING; raises TimeoutError when it
        still runs after ``timeout`` seconds (None: wait as long as it runs).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        seen = set()
        while True:
            run = self.run(run_id)
            # rounds before status: the rounds recorded just before the run ended are yielded too
            for r in run.get("rounds", []):
                if r["round"] not in seen:
                    seen.add(r["round"])
                    yield _round_row(r)
            if run["status"] != "RUNNING":
                return
            wait = interval
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"run {run_id} is still RUNNING after {timeout} s")
                wait = min(wait, left)
            time.sleep(wait)


def _openssl():
    """The openssl command that signs tickets; FileNotFoundError saying what to install when there is none."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise FileNotFoundError("signing a job's ticket needs the openssl command, which is not on PATH "
                                "(Debian/Ubuntu: apt-get install openssl)")
    return openssl


def _job_text(job):
    """A job as the text the API plans: YAML as it is, a file's text, a dict as JSON (JSON is YAML)."""
    if isinstance(job, dict):
        return json.dumps(job)
    if isinstance(job, os.PathLike):
        return pathlib.Path(job).read_text(encoding="utf-8")
    if isinstance(job, bytes):
        return job.decode("utf-8")
    if isinstance(job, str):
        if "\n" not in job and os.path.isfile(job):
            return pathlib.Path(job).read_text(encoding="utf-8")
        return job
    raise TypeError(f"a job is YAML text, a file's path or a dict, not {type(job).__name__}")


def _certificate_der(path):
    """The first certificate of a PEM file, DER-encoded."""
    pem = pathlib.Path(path).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----"
    if end not in pem:
        raise ValueError(f"{path} holds no PEM certificate")
    return ssl.PEM_cert_to_DER_cert(pem[pem.index("-----BEGIN CERTIFICATE-----"):pem.index(end) + len(end)])


def _segment(value):
    """A record id as one path segment: a '/' or '?' in it cannot reach another route."""
    return urllib.parse.quote(str(value), safe="")


def _problem(e):
    """The MeshflError of an HTTP error: its problem detail, or the bare status when the body is none."""
    body = e.read()
    try:
        p = json.loads(body)
    except ValueError:
        p = None
    if not isinstance(p, dict):
        return MeshflError(e.code, None, body.decode("utf-8", "replace") or e.reason)
    return MeshflError(p.get("status", e.code), p.get("code"), p.get("detail"), p.get("title"), p.get("type"))


def _round_row(r):
    row = {k: r.get(k) for k in ROUND_FIELDS}
    for name, value in (r.get("metrics") or {}).items():
        row["metrics." + name if name in row else name] = value
    return row
