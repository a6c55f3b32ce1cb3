"""Bring your own model to MeshFL: a trainer process the domain's node starts beside it.

The node serves the mesh; the trainer serves the node, over gRPC on a Unix socket
(meshfl.trainer.v1.TrainerService, proto/src/main/proto/meshfl/trainer/v1/trainer.proto). Write a
:class:`Trainer` (or wrap a ``torch.nn.Module`` in a :class:`TorchTrainer`) for horizontal jobs, a
:class:`SplitTrainer` (or give a :class:`TorchSplitTrainer` a bottom and a top module factory) for
split networks, and let the node run

    python3 -m meshfl_trainer MODULE:FACTORY [--path DIR]

Debian's python3-numpy, python3-grpcio and python3-protobuf suffice (python3-torch for
:class:`TorchTrainer`); nothing is installed with pip.

    # credit_mlp.py
    from torch import nn
    from meshfl_trainer import TorchTrainer

    def make():
        return TorchTrainer(lambda: nn.Sequential(nn.Linear(23, 16), nn.ReLU(), nn.Linear(16, 1)))
"""

__all__ = ["Trainer", "SplitTrainer", "TrainerError", "Declared", "TorchTrainer", "TorchSplitTrainer", "meshfl_init",
           "serve", "start", "SERVICE", "TOKEN_KEY"]

_WHERE = {
    "Trainer": ".trainer", "SplitTrainer": ".trainer", "TrainerError": ".trainer", "Declared": ".trainer",
    "TorchTrainer": ".torch_trainer", "TorchSplitTrainer": ".torch_trainer", "meshfl_init": ".torch_trainer",
    "serve": ".server", "start": ".server", "SERVICE": ".server", "TOKEN_KEY": ".server",
}


def __getattr__(name):
    # imported on first use: a plain Trainer needs no torch, regenerating the messages needs neither grpc nor numpy
    if name in _WHERE:
        import importlib
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
