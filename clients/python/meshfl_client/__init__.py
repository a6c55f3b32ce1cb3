"""A client of the MeshFL coordinator's REST API (docs/api.md) for data scientists.

Standard library only; pandas is used by :meth:`MeshflClient.rounds_frame` when it is installed.

    from meshfl_client import MeshflClient
    api = MeshflClient("https://localhost:8443", ca="certs/ca.pem",
                       cert="certs/client-operator.pem", key="certs/client-operator-key.pem")
    for row in api.follow(api.runs(status="RUNNING")[0]["id"]):
        print(row["round"], row.get("auc"))
"""

import json
import ssl
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
    certificate and key (``client-NAME.pem``, ``client-NAME-key.pem``), which decide what it sees.
    List methods fetch every page, ``page_size`` records at a time.
    """

    def __init__(self, url, ca, cert, key, timeout=30.0, page_size=500):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.page_size = page_size
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
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return json.load(response)
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
