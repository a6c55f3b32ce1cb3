"""The split network of default-credit-hetero as PyTorch modules the parties' nodes train through.

MeshFL's own `model: {type: splitnn}` of job-splitnn.yaml (bottomHidden [32], cutWidth 8,
topHidden [16]): on each party a bottom from its feature columns (lending's 13, payments' 10)
-> 32 ReLU units -> the cut layer of 8 ReLU units; on the label holder a top from both cut layers
side by side (16) -> 16 ReLU units -> one logit (the sigmoid of which is the probability of
default). Each layer's weight is [out x in] followed by its bias, initialized as MeshFL's own
(meshfl_init: He normal before a ReLU, Glorot normal before the logit, zero biases). Categorical
columns reach the bottom as the node encodes them (1..V, 0 for a value unseen in training) and
enter its first layer as they are: MeshFL's own splitnn embeds payments' x2 and x3 instead
(`categorical`, `embeddingDim`). The same trainer serves both roles; every party's node starts it as

    python3 -m meshfl_trainer --path examples/default-credit-hetero/trainer credit_split:make
"""

from torch import nn

from meshfl_trainer import TorchSplitTrainer, meshfl_init


def bottom(inputs, outputs):
    # inputs: the party's feature columns; outputs: the cut width
    return meshfl_init(nn.Sequential(nn.Linear(inputs, 32), nn.ReLU(), nn.Linear(32, outputs), nn.ReLU()))


def top(inputs, outputs):
    # inputs: parties x cut width; outputs: 1 (binary: BCEWithLogits on the logit)
    return meshfl_init(nn.Sequential(nn.Linear(inputs, 16), nn.ReLU(), nn.Linear(16, outputs)))


def make():
    return TorchSplitTrainer(bottom, top, name="credit-split", version="1")
