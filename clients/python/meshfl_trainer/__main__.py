"""python3 -m meshfl_trainer MODULE:FACTORY [--path DIR]: the meshfl-trainer command a node starts.

FACTORY() returns the Trainer or SplitTrainer to serve (e.g. credit_mlp:make). The node sets
MESHFL_TRAINER_SOCKET and MESHFL_TRAINER_TOKEN; see clients/python/README.md, "Bring your own model".
"""

import argparse
import importlib
import os
import sys


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m meshfl_trainer",
                                description="Serves a MeshFL trainer on $MESHFL_TRAINER_SOCKET for the node that started it.")
    p.add_argument("factory", metavar="MODULE:FACTORY",
                   help="the function that returns the Trainer or SplitTrainer, e.g. credit_mlp:make")
    p.add_argument("--path", action="append", default=[], metavar="DIR", help="a folder to import MODULE from (repeatable)")
    a = p.parse_args(argv)
    module_name, sep, attr = a.factory.partition(":")
    if not sep or not module_name or not attr:
        p.error(f"expected MODULE:FACTORY, got {a.factory!r}")
    for d in reversed(a.path):
        sys.path.insert(0, os.path.abspath(d))

    from . import SplitTrainer, Trainer, serve

    factory = getattr(importlib.import_module(module_name), attr)
    trainer = factory()
    if not isinstance(trainer, (Trainer, SplitTrainer)):
        p.error(f"{a.factory} returned a {type(trainer).__name__}, not a meshfl_trainer.Trainer or SplitTrainer")
    if not trainer.name:
        trainer.name = a.factory
    serve(trainer)


if __name__ == "__main__":
    main()
