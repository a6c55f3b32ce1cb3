"""The split network of breast-hetero as PyTorch modules the parties' nodes train through.

MeshFL's own `model: {type: splitnn}` of job-splitnn.yaml (bottomHidden [16], cutWidth 4,
topHidden [8]): on each party a bottom from its feature columns (oncology's 10, radiology's
20) -> 16 ReLU units -> the cut layer of 4 ReLU units; on oncology, which holds the label, a top
from both cut layers side by side (8) -> 8 ReLU units -> one logit (the sigmoid of which is the
probability that the diagnosis y is 1). Each layer's weight is [out x in] followed by its bias,
initialized as MeshFL's own (meshfl_init: He normal before a ReLU, Glorot normal before the
logit, zero biases). The same trainer serves both roles; every party's node starts it as

    python3 -m meshfl_trainer --path examples/breast-hetero/trainer breast_split:make
"""

from torch import nn

from meshfl_trainer import TorchSplitTrainer, meshfl_init


def bottom(inputs, outputs):
    # inputs: the party's feature columns; outputs: the cut width
    return meshfl_init(nn.Sequential(nn.Linear(inputs, 16), nn.ReLU(), nn.Linear(16, outputs), nn.ReLU()))


def top(inputs, outputs):
    # inputs: parties x cut width; outputs: 1 (binary: BCEWithLogits on the logit)
    return meshfl_init(nn.Sequential(nn.Linear(inputs, 8), nn.ReLU(), nn.Linear(8, outputs)))


def make():
    return TorchSplitTrainer(bottom, top, name="breast-split", version="1")
