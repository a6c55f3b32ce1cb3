"""python3 -m meshfl_client: the client's operations from the shell, JSON out (rounds as CSV).

Connection options default to MESHFL_API_URL, MESHFL_CA, MESHFL_CERT and MESHFL_KEY.
"""

import argparse
import csv
import json
import os
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
        if name == "follow":
            c.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    return p.parse_args(argv)


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
