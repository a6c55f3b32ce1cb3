"""The Python trainer of TrainerOverheadBenchmark: MeshFL's SDK with a trivial Trainer subclass.

It declares w [1000, 999] and b [1000] (1,000,000 parameters) and fits by returning the parameters
it got, each plus 1e-9: no arithmetic beyond that, so a round through it costs what the sidecar costs.
"""

from meshfl_trainer import Trainer


class Echo(Trainer):
    name = "echo"

    def parameters(self):
        return [("w", (1000, 999)), ("b", (1000,))]

    def fit(self, job, parameters, config):
        rows = self.part(job, "train").features.shape[0]
        return [p + 1e-9 for p in parameters], rows, {"loss": 0.0}

    def predict(self, job, part, parameters):
        raise NotImplementedError("the benchmark only fits")


def make():
    return Echo()
