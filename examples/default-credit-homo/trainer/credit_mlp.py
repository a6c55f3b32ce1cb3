"""The credit-default MLP of default-credit-homo as a PyTorch module the node trains through.

23 standardized features (x0..x22) -> 16 ReLU units -> one logit (the sigmoid of which is the
probability of default): the network of MeshFL's own `model: {type: mlp, hidden: [16]}`, with
the same parameter layout (each layer's weight [out x in], then its bias), so both can start from
the same vector. job-external.yaml names it; the node starts it as

    python3 -m meshfl_trainer --path examples/default-credit-homo/trainer credit_mlp:make
"""

from torch import nn

from meshfl_trainer import TorchTrainer


def module():
    return nn.Sequential(nn.Linear(23, 16), nn.ReLU(), nn.Linear(16, 1))


def make():
    # binary: BCEWithLogits while training, the sigmoid in predictions
    return TorchTrainer(module, name="credit-mlp", version="1")
