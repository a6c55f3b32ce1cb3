"""The client against a running coordinator's API.

Set MESHFL_API_URL, MESHFL_CA, MESHFL_CERT, MESHFL_KEY (the operator's certificate) and MESHFL_RUN_ID
(a finished run with rounds); without them every test is skipped. MESHFL_OTHER_CA (the certificate
of another CA) and MESHFL_LIVE_RUN_ID with MESHFL_LIVE_SIGNAL (a RUNNING run the server moves on,
round by round to its end, once the file MESHFL_LIVE_SIGNAL exists) enable the tests that need them.
MESHFL_JOB (a job's YAML the server runs: two rounds, then its end with a report; a job named
"wait..." runs until it is cancelled) and MESHFL_OTHER_KEY (a key that is not the certificate's)
enable submitting. web's PythonClientTest sets all of them up.
"""

import csv
import hashlib
import io
import json
import os
import pathlib
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import unittest
from unittest import mock

CLIENT_DIR = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CLIENT_DIR))  # the package is used from the checkout, not installed

from meshfl_client import ROUND_FIELDS, MeshflClient, MeshflError  # noqa: E402

ENV = {k: os.environ.get(k) for k in ("MESHFL_API_URL", "MESHFL_CA", "MESHFL_CERT", "MESHFL_KEY", "MESHFL_RUN_ID")}

try:
    import pandas  # noqa: F401
    HAVE_PANDAS = True
except ImportError:
    HAVE_PANDAS = False


def env(name):
    return os.environ.get(name)


@unittest.skipUnless(all(ENV.values()), "needs a running API: " + ", ".join(ENV))
class ClientTest(unittest.TestCase):

    def setUp(self):
        self.api = self.client()

    def client(self, ca=None, url=None, **kw):
        return MeshflClient(url or ENV["MESHFL_API_URL"], ca or ENV["MESHFL_CA"], ENV["MESHFL_CERT"], ENV["MESHFL_KEY"], **kw)

    def test_lists_collect_every_page(self):
        total = self.api.get("/api/runs", limit=1)["total"]
        if total <= 50:
            self.skipTest(f"needs more runs than one page of 50, the server has {total}")
        paged = self.client(page_size=50).runs()
        self.assertEqual(total, len(paged))
        self.assertEqual(total, len({r["id"] for r in paged}), "no run twice")
        self.assertEqual([r["id"] for r in paged], [r["id"] for r in self.api.runs()], "the same runs in pages of 500")
        statuses = {r["status"] for r in paged}
        for status in statuses:
            self.assertEqual([r["id"] for r in paged if r["status"] == status], [r["id"] for r in self.api.runs(status=status)], status)

    def test_identity_domains_nodes_products_models(self):
        me = self.api.me()
        self.assertEqual("client:operator", me["identity"])
        self.assertIs(True, me["operator"])
        domains = {d["name"] for d in self.api.domains()}
        self.assertTrue(domains)
        nodes = self.api.nodes()
        self.assertTrue(nodes)
        self.assertLessEqual({n["domain"] for n in nodes}, domains)
        products = self.api.products()
        self.assertTrue(products)
        one = self.api.product(products[0]["id"])
        self.assertEqual(products[0]["id"], one["id"])
        self.assertIn(products[0]["version"], [v["version"] for v in one["versions"]])
        run = self.api.run(ENV["MESHFL_RUN_ID"])
        self.assertTrue(run["models"], "the known run has a model")
        model = self.api.model(run["models"][0])
        self.assertEqual(run["id"], model["run_id"])
        self.assertIn(model["id"], [m["id"] for m in self.api.models()])
        self.assertIn("/api/runs/{id}", self.api.openapi()["paths"])

    def test_rounds_come_with_their_metrics_as_columns(self):
        detail = self.api.run(ENV["MESHFL_RUN_ID"])["rounds"]
        rows = self.api.rounds(ENV["MESHFL_RUN_ID"])
        self.assertTrue(rows, "the known run has rounds")
        self.assertEqual([r["round"] for r in detail], [row["round"] for row in rows])
        for r, row in zip(detail, rows):
            self.assertEqual(list(ROUND_FIELDS), list(row)[:len(ROUND_FIELDS)])
            self.assertTrue(r["metrics"], "every round of the known run has metrics")
            for name, value in r["metrics"].items():
                column = "metrics." + name if name in ROUND_FIELDS else name
                self.assertEqual(value, row[column], f"metric {name} of round {r['round']}")
            self.assertEqual(r["nodes_ok"], row["nodes_ok"])

    @unittest.skipUnless(HAVE_PANDAS, "pandas is not installed")
    def test_rounds_frame_is_a_data_frame_of_the_rounds(self):
        rows = self.api.rounds(ENV["MESHFL_RUN_ID"])
        frame = self.api.rounds_frame(ENV["MESHFL_RUN_ID"])
        self.assertEqual(len(rows), len(frame))
        self.assertEqual(list(rows[0]), list(frame.columns))
        self.assertEqual([r["round"] for r in rows], frame["round"].tolist())

    def test_rounds_frame_without_pandas_says_what_to_install(self):
        with mock.patch.dict(sys.modules, {"pandas": None}):  # None in sys.modules makes the import fail
            with self.assertRaises(ImportError) as e:
                self.api.rounds_frame(ENV["MESHFL_RUN_ID"])
        self.assertIn("pip install pandas", str(e.exception))

    def test_a_missing_record_is_a_problem_detail(self):
        with self.assertRaises(MeshflError) as e:
            self.api.run("no-such-run")
        self.assertEqual(404, e.exception.status)
        self.assertEqual("MeshFL-301 CATALOG_NOT_FOUND", e.exception.code)
        self.assertIn("no-such-run", e.exception.detail)
        with self.assertRaises(MeshflError) as e:
            self.api.get("/api/runs", limit=0)
        self.assertEqual(400, e.exception.status)
        self.assertIn("'limit'", e.exception.detail)

    @unittest.skipUnless(env("MESHFL_OTHER_CA"), "needs MESHFL_OTHER_CA, the certificate of another CA")
    def test_a_server_certificate_of_another_ca_is_refused(self):
        with self.assertRaises(ssl.SSLCertVerificationError) as e:
            self.client(ca=env("MESHFL_OTHER_CA")).me()
        self.assertNotIn("mismatch", e.exception.verify_message)

    def test_a_server_certificate_not_naming_the_host_is_refused(self):
        # a certificate of the mesh CA (the caller's own, fit for serving too) that names no host
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(ENV["MESHFL_CERT"], ENV["MESHFL_KEY"])
        with socket.create_server(("127.0.0.1", 0)) as server:
            def serve():
                conn, _ = server.accept()
                with conn:
                    try:
                        tls.wrap_socket(conn, server_side=True)
                    except OSError:
                        pass  # the client hangs up at the handshake
            t = threading.Thread(target=serve, daemon=True)
            t.start()
            with self.assertRaises(ssl.SSLCertVerificationError) as e:
                self.client(url=f"https://127.0.0.1:{server.getsockname()[1]}").me()
            t.join(10)
        self.assertIn("mismatch", e.exception.verify_message)

    def test_follow_ends_with_a_finished_run(self):
        rows = list(self.api.follow(ENV["MESHFL_RUN_ID"], interval=0.05, timeout=30))
        self.assertEqual(self.api.rounds(ENV["MESHFL_RUN_ID"]), rows)

    @unittest.skipUnless(env("MESHFL_LIVE_RUN_ID") and env("MESHFL_LIVE_SIGNAL"), "needs a live run")
    def test_follow_yields_each_new_round_once_until_the_run_ends(self):
        run_id = env("MESHFL_LIVE_RUN_ID")
        self.assertEqual("RUNNING", self.api.run(run_id)["status"])
        seen = []
        with self.assertRaises(TimeoutError):
            for row in self.api.follow(run_id, interval=0.05, timeout=0.5):
                seen.append(row["round"])
        self.assertEqual([1], seen, "the round so far, then the time is up")
        seen = []
        for row in self.api.follow(run_id, interval=0.05, timeout=60):
            seen.append(row["round"])
            if len(seen) == 1:
                pathlib.Path(env("MESHFL_LIVE_SIGNAL")).touch()  # the server records the next rounds, then ends the run
        self.assertEqual([1, 2, 3], seen)
        self.assertNotEqual("RUNNING", self.api.run(run_id)["status"])

    @unittest.skipUnless(env("MESHFL_JOB"), "needs MESHFL_JOB, a job the server runs")
    def test_submit_signs_the_ticket_with_the_key_file_and_follows_the_run_to_its_report(self):
        seen = []
        run = self.api.submit(env("MESHFL_JOB"), follow=True, interval=0.05, timeout=60, on_round=seen.append)
        self.assertEqual("SUCCEEDED", run["status"], run)
        self.assertEqual("client:operator", run["submitter"], "the run is the signer's")
        self.assertEqual([1, 2], [row["round"] for row in seen])
        report = self.api.report(run["id"])
        self.assertEqual(run["id"], report["run_id"])
        self.assertEqual("SUCCEEDED", report["status"])
        self.assertEqual(2, len(report["history"]))
        self.assertNotIn("/", report["provenance"]["job_file"], "no folder of any machine in a report")
        html = self.api.report(run["id"], html=True)
        self.assertIn("<h1>Run " + run["id"] + "</h1>", html)
        with tempfile.TemporaryDirectory() as tmp:
            written = self.api.report(run["id"], pathlib.Path(tmp) / "report.html", html=True)
            self.assertEqual(html, written.read_text(encoding="utf-8"))
            self.assertEqual(report, json.loads(self.api.report(run["id"], os.path.join(tmp, "r.json")).read_text()))

    @unittest.skipUnless(env("MESHFL_JOB"), "needs MESHFL_JOB, a job the server runs")
    def test_submit_takes_a_job_file_or_a_dict_sent_as_json(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "credit.yaml"
            path.write_text(env("MESHFL_JOB"), encoding="utf-8")
            for job in (str(path), path):
                started = self.api.submit(job)
                self.assertTrue(started["run_id"] and started["job_id"], started)
        job = {"name": "credit-dict", "products": ["lending.accounts"], "label": "y", "model": {"type": "logistic"}}
        draft = self.api.draft(job)
        self.assertEqual("credit-dict", draft["says"]["jobName"], draft["says"])
        self.assertEqual(hashlib.sha256(json.dumps(job).encode("utf-8")).hexdigest(), draft["says"]["specSha256"],
                         "the ticket names the JSON text that was sent")
        started = self.api.submit(job)
        self.assertEqual(started["run_id"], self.api.run(started["run_id"])["id"])
        with self.assertRaises(TypeError):
            self.api.submit(42)

    @unittest.skipUnless(env("MESHFL_JOB") and env("MESHFL_OTHER_KEY"), "needs MESHFL_JOB and MESHFL_OTHER_KEY")
    def test_a_ticket_signed_with_a_key_that_is_not_the_certificates_is_refused(self):
        with mock.patch.object(self.api, "key", env("MESHFL_OTHER_KEY")):
            with self.assertRaises(MeshflError) as e:
                self.api.submit(env("MESHFL_JOB"))
        self.assertEqual(403, e.exception.status, e.exception)

    @unittest.skipUnless(env("MESHFL_JOB"), "needs MESHFL_JOB, a job the server runs")
    def test_submit_without_openssl_says_what_to_install_before_asking_the_coordinator(self):
        with mock.patch.dict(os.environ, {"PATH": ""}), mock.patch.object(self.api, "draft") as draft:
            with self.assertRaises(FileNotFoundError) as e:
                self.api.submit(env("MESHFL_JOB"))
        self.assertIn("openssl", str(e.exception))
        self.assertIn("apt-get install openssl", str(e.exception))
        draft.assert_not_called()

    @unittest.skipUnless(env("MESHFL_JOB"), "needs MESHFL_JOB, a job the server runs")
    def test_cancel_stops_a_run_whose_report_is_absent_until_then(self):
        waiting = env("MESHFL_JOB").replace("name: ", "name: wait-", 1)
        run_id = self.api.submit(waiting)["run_id"]
        self.assertEqual("RUNNING", self.api.run(run_id)["status"])
        with self.assertRaises(MeshflError) as e:
            self.api.report(run_id)
        self.assertEqual(404, e.exception.status)
        self.assertIn("no report yet", e.exception.detail)
        self.assertEqual(run_id, self.api.cancel(run_id)["run_id"])
        self.assertEqual("CANCELLED", self.api.run(run_id)["status"])
        self.assertEqual("CANCELLED", self.api.report(run_id)["status"])
        with self.assertRaises(MeshflError) as e:
            self.api.cancel(run_id)
        self.assertEqual(409, e.exception.status, "an ended run has nothing to stop")

    def cli(self, *args):
        return subprocess.run([sys.executable, "-m", "meshfl_client", "--url", ENV["MESHFL_API_URL"], "--ca", ENV["MESHFL_CA"],
                               "--cert", ENV["MESHFL_CERT"], "--key", ENV["MESHFL_KEY"], *args],
                              cwd=CLIENT_DIR, capture_output=True, text=True, timeout=60)

    def test_command_line_prints_json_and_rounds_as_csv(self):
        runs = self.cli("runs", "--status", "SUCCEEDED")
        self.assertEqual(0, runs.returncode, runs.stderr)
        self.assertEqual([r["id"] for r in self.api.runs(status="SUCCEEDED")], [r["id"] for r in json.loads(runs.stdout)])
        rounds = self.cli("rounds", ENV["MESHFL_RUN_ID"])
        self.assertEqual(0, rounds.returncode, rounds.stderr)
        table = list(csv.DictReader(io.StringIO(rounds.stdout)))
        expected = self.api.rounds(ENV["MESHFL_RUN_ID"])
        self.assertEqual(list(expected[0]), list(table[0]))
        self.assertEqual([{k: str(v) for k, v in row.items()} for row in expected], table)
        missing = self.cli("run", "no-such-run")
        self.assertEqual(1, missing.returncode)
        self.assertIn("MeshFL-301 CATALOG_NOT_FOUND", missing.stderr)
        missing = self.cli("report", "no-such-run")
        self.assertEqual(1, missing.returncode)
        self.assertIn("MeshFL-301 CATALOG_NOT_FOUND", missing.stderr)

    @unittest.skipUnless(env("MESHFL_JOB"), "needs MESHFL_JOB, a job the server runs")
    def test_command_line_submits_follows_cancels_and_writes_reports(self):
        with tempfile.TemporaryDirectory() as tmp:
            job = pathlib.Path(tmp) / "credit.yaml"
            job.write_text(env("MESHFL_JOB"), encoding="utf-8")
            out = pathlib.Path(tmp) / "report.json"
            done = self.cli("submit", str(job), "--follow", "--interval", "0.05", "--report", str(out))
            self.assertEqual(0, done.returncode, done.stderr)
            lines = [json.loads(line) for line in done.stdout.splitlines()]
            self.assertEqual([1, 2], [line["round"] for line in lines[:-1]])
            run_id = lines[-1]["ended"]["id"]
            self.assertEqual("SUCCEEDED", lines[-1]["ended"]["status"])
            self.assertEqual(self.api.report(run_id), json.loads(out.read_text()))
            self.assertIn("<h1>Run " + run_id, (pathlib.Path(tmp) / "report.html").read_text())
            printed = self.cli("report", run_id, "--html")
            self.assertEqual(0, printed.returncode, printed.stderr)
            self.assertEqual(self.api.report(run_id, html=True), printed.stdout)

            job.write_text(env("MESHFL_JOB").replace("name: ", "name: wait-", 1), encoding="utf-8")
            started = self.cli("submit", str(job))
            self.assertEqual(0, started.returncode, started.stderr)
            waiting = json.loads(started.stdout)["run_id"]
            cancelled = self.cli("cancel", waiting)
            self.assertEqual(0, cancelled.returncode, cancelled.stderr)
            self.assertEqual(waiting, json.loads(cancelled.stdout)["run_id"])
            self.assertEqual("CANCELLED", self.api.run(waiting)["status"])


if __name__ == "__main__":
    unittest.main()
