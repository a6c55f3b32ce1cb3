"""python3 -m meshfl_client: the client's operations from the shell, JSON out (rounds as CSV, reports as written).

Connection options default to MESHFL_API_URL, MESHFL_CA, MESHFL_CERT and MESHFL_KEY.
"""

import argparse
import csv
import json
import os
import pathlib
import sys

from . import MeshflClient, MeshflError

# command -> (takes a record id, what it prints)
COMMANDS = {
    "me": (False, lambda api, a: api.me()),
    "domains": (False, lambda api, a: api.domains()),
    "nodes": (False, lambda api, a: api.nodes()),
    "products": (False, lambda api, a: api.products()),
    "product": (True, lambda api, a: api.product(a.id)),
    "runs": (False, lambda api, a: api.runs(a.status)),
    "run": (True, lambda api, a: api.run(a.id)),
    "models": (False, lambda api, a: api.models()),
    "model": (True, lambda api, a: api.model(a.id)),
    "rounds": (True, None),
    "follow": (True, None),
    "submit": (False, None),
    "cancel": (True, lambda api, a: api.cancel(a.id)),
    "report": (True, None),
}


def parse(argv):
    p = argparse.ArgumentParser(prog="python3 -m meshfl_client", description="The MeshFL coordinator's REST API.")
    for opt, env, what in (("--url", "MESHFL_API_URL", "https://HOST:PORT of the coordinator's API"),
                           ("--ca", "MESHFL_CA", "the mesh CA's certificate (ca.pem)"),
                           ("--cert", "MESHFL_CERT", "your client certificate"),
                           ("--key", "MESHFL_KEY", "its key")):
        p.add_argument(opt, default=os.environ.get(env), required=env not in os.environ, help=f"{what} (default ${env})")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (takes_id, _) in COMMANDS.items():
        c = sub.add_parser(name)
        if takes_id:
            c.add_argument("id")
        if name == "runs":
            c.add_argument("--status", help="only runs in this state (RUNNING, SUCCEEDED, FAILED, ...)")
        if name in ("follow", "submit"):
            c.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        if name == "submit":
            c.add_argument("job", help="the job file (YAML)")
            c.add_argument("--accept-warnings", action="store_true", help="run even when the plan has warnings")
            c.add_argument("--follow", action="store_true", help="print each round as a JSON line until the run ends; "
                                                                 "exit 1 unless it succeeded")
            c.add_argument("--report", metavar="PATH", help="with --follow: write the run's report here (JSON) and "
                                                            "its HTML beside it")
        if name == "report":
            c.add_argument("--html", action="store_true", help="the HTML report with its curves, not the JSON")
            c.add_argument("--out", metavar="PATH", help="write it here instead of printing it")
    return p.parse_args(argv)


def submit(api, a):
    """Submits a job file; with --follow prints the start, each round and the end as JSON lines."""
    if not a.follow:
        json.dump(api.submit(a.job, accept_warnings=a.accept_warnings), sys.stdout, indent=2)
        print()
        return 0

    def on_round(row):
        print(json.dumps(row), flush=True)

    run = api.submit(a.job, accept_warnings=a.accept_warnings, follow=True, interval=a.interval,
                     on_round=on_round)
    end = {k: run.get(k) for k in ("id", "status", "error") if run.get(k) is not None}
    print(json.dumps({"ended": end}), flush=True)
    if a.report:
        json_path = pathlib.Path(a.report)
        api.report(run["id"], json_path)
        html = json_path.with_suffix(".html") if json_path.suffix == ".json" else json_path.with_name(json_path.name + ".html")
        api.report(run["id"], html, html=True)
        print(f"report: {json_path} and {html}", file=sys.stderr)
    return 0 if run.get("status") == "SUCCEEDED" else 1


def main(argv=None):
    a = parse(argv)
    try:
        api = MeshflClient(a.url, a.ca, a.cert, a.key)
        if a.command == "rounds":
            rows = api.rounds(a.id)
            # the union of columns: a metric may appear from some round on
            columns = list(dict.fromkeys(k for row in rows for k in row))
            out = csv.DictWriter(sys.stdout, columns, lineterminator="\n")
            out.writeheader()
            out.writerows(rows)
        elif a.command == "submit":
            return submit(api, a)
        elif a.command == "report":
            if a.out:
                api.report(a.id, a.out, html=a.html)
            elif a.html:
                sys.stdout.write(api.report(a.id, html=True))
            else:
                json.dump(api.report(a.id), sys.stdout, indent=2)
                print()
        elif a.command == "follow":
            # one JSON line per round as it is recorded: a CSV header cannot know later metrics
            for row in api.follow(a.id, interval=a.interval):
                print(json.dumps(row), flush=True)
        else:
            json.dump(COMMANDS[a.command][1](api, a), sys.stdout, indent=2)
            print()
    except (MeshflError, OSError) as e:
        print(f"meshfl_client: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
