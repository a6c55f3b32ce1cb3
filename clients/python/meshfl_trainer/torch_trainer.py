"""A :class:`~meshfl_trainer.Trainer` for a ``torch.nn.Module``, trained in float64."""

import math
import threading

import numpy as np
import torch
from torch import nn

from .trainer import Declared, Trainer, TrainerError

__all__ = ["TorchTrainer"]

TASKS = ("binary", "multiclass", "regression", "count")


def _is_bias(name, parameter):
    return name.rsplit(".", 1)[-1] == "bias"


class TorchTrainer(Trainer):
    """Adapts a ``torch.nn.Module`` made by ``module_factory()`` (called once to declare, once per job).

    Its declared parameters are ``module.named_parameters()`` in order, names and shapes. The module
    runs in float64 (``module.double()``) so a fit is reproducible and comparable with MeshFL's own
    float64 models. A fit is mini-batch SGD or Adam over the "train" part: ``torch.manual_seed(seed)``,
    a shuffle per epoch from a generator seeded with ``seed``, the gradient of the batch's mean loss
    plus ``l2 * w`` on weights (every parameter but those named ``*.bias``; ``decays(name, p)``
    changes that) plus ``proximal_mu * (w - w_start)`` (FedProx), the same update as MeshFL's own
    local training. The module outputs raw scores; the loss and the scores follow the task:

    - binary: ``BCEWithLogitsLoss`` on one logit a row; predict gives the sigmoid (class 1's probability)
    - multiclass: ``CrossEntropyLoss`` on one logit a class; predict gives the softmax
    - regression: ``MSELoss``; predict gives the output
    - count: ``PoissonNLLLoss`` on the log-rate; predict gives its exp

    ``loss(outputs, targets)`` (a mean over the batch) replaces the task's loss; targets are then
    float64 of shape [rows, 1] (class indices [rows] for multiclass). Fits and predictions run one at
    a time. Metrics: ``loss``, the mean per-row data loss over the last epoch (without the L2 and
    proximal terms).
    """

    def __init__(self, module_factory, loss=None, decays=None, name=None, version="1"):
        super().__init__()
        self.module_factory = module_factory
        self.loss = loss
        self.decays = decays or (lambda name, p: not _is_bias(name, p))
        self.name = name
        self.version = version
        self._declared = [Declared(n, tuple(p.shape)) for n, p in self._make().named_parameters()]
        self._modules = {}
        self._training = threading.Lock()

    def _make(self):
        module = self.module_factory()
        if not isinstance(module, nn.Module):
            raise TypeError(f"the module factory returned a {type(module).__name__}, not a torch.nn.Module")
        return module.double()

    def parameters(self):
        return list(self._declared)

    def release(self, job):
        super().release(job)
        with self._training:
            self._modules.pop(job, None)

    def _module(self, job, parameters):
        module = self._modules.get(job)
        if module is None:
            module = self._modules[job] = self._make()
        named = list(module.named_parameters())
        if [(n, tuple(p.shape)) for n, p in named] != [tuple(d) for d in self._declared]:
            raise TrainerError("the module factory made a module whose parameters differ from the declared ones")
        with torch.no_grad():
            for (_, p), value in zip(named, parameters):
                p.copy_(torch.from_numpy(np.asarray(value, dtype=np.float64)))
        return module, named

    def _task(self, job, loaded):
        task = loaded.task
        if not task:  # a part loaded without its task: the job's training task
            with self._lock:
                train = self._jobs.get(job, {}).get("train")
            task = train.task if train is not None else ""
        if self.loss is None and task not in TASKS:
            raise TrainerError(f"job {job} names the task {task!r}; a TorchTrainer without a loss knows {', '.join(TASKS)}")
        return task

    def _targets(self, task, label):
        y = torch.from_numpy(np.asarray(label, dtype=np.float64))
        return y.long() if task == "multiclass" else y.reshape(-1, 1)

    def _loss(self, task):
        if self.loss is not None:
            return self.loss
        if task == "binary":
            return nn.BCEWithLogitsLoss()
        if task == "multiclass":
            return nn.CrossEntropyLoss()
        if task == "regression":
            return nn.MSELoss()
        return nn.PoissonNLLLoss(log_input=True, full=False)

    def fit(self, job, parameters, config):
        train = self.part(job, "train")
        if train.label is None:
            raise TrainerError(f"job {job}: the node loaded the train part without a label, nothing to fit")
        task = self._task(job, train)
        epochs, batch_size = int(config["epochs"]), int(config["batch_size"])
        lr, seed = float(config["learning_rate"]), int(config["seed"])
        l2, mu = float(config.get("l2", 0.0)), float(config.get("proximal_mu", 0.0))
        momentum = float(config.get("momentum", 0.0))
        optimizer = config.get("optimizer") or "sgd"
        if optimizer not in ("sgd", "adam"):
            raise TrainerError(f"optimizer {optimizer!r} is not sgd or adam", "INVALID_ARGUMENT")
        if epochs < 1 or batch_size < 1 or not (lr > 0 and math.isfinite(lr)):
            raise TrainerError("epochs and batch_size must be >= 1 and learning_rate > 0", "INVALID_ARGUMENT")
        x = torch.from_numpy(train.features)
        y = self._targets(task, train.label)
        n = x.shape[0]
        with self._training:
            module, named = self._module(job, parameters)
            if n == 0:
                return [p.detach().numpy().copy() for _, p in named], 0, {"loss": 0.0}
            params = [p for _, p in named]
            start = [p.detach().clone() for p in params]
            decay = [self.decays(name, p) for name, p in named]
            loss_fn = self._loss(task)
            torch.manual_seed(seed)
            shuffles = torch.Generator().manual_seed(seed)
            opt = torch.optim.Adam(params, lr=lr) if optimizer == "adam" else torch.optim.SGD(params, lr=lr, momentum=momentum)
            b = min(batch_size, n)
            module.train()
            epoch_loss = 0.0
            for epoch in range(1, epochs + 1):
                order = torch.randperm(n, generator=shuffles)
                total = 0.0
                for step, at in enumerate(range(0, n, b), 1):
                    rows = order[at:at + b]
                    opt.zero_grad(set_to_none=False)
                    loss = loss_fn(module(x[rows]), y[rows])
                    value = float(loss.detach())
                    if not math.isfinite(value):
                        raise TrainerError(f"local training diverged: the loss is {value} at epoch {epoch}, step {step}; "
                                           "lower the learning rate")
                    loss.backward()
                    with torch.no_grad():
                        for p, w0, d in zip(params, start, decay):
                            if p.grad is None:
                                continue
                            if l2 > 0 and d:
                                p.grad.add_(p, alpha=l2)
                            if mu > 0:
                                p.grad.add_(p - w0, alpha=mu)
                    opt.step()
                    total += value * len(rows)
                epoch_loss = total / n
            out = [p.detach().numpy().copy() for p in params]
        for value in out:
            if not np.all(np.isfinite(value)):
                raise TrainerError("local training diverged: the parameters became non-finite; lower the learning rate")
        return out, n, {"loss": epoch_loss}

    def predict(self, job, part, parameters):
        loaded = self.part(job, part)
        task = self._task(job, loaded)
        with self._training, torch.no_grad():
            module, _ = self._module(job, parameters)
            module.eval()
            out = module(torch.from_numpy(loaded.features))
            if out.dim() == 1:
                out = out.reshape(-1, 1)
            if task == "binary":
                out = torch.sigmoid(out)
            elif task == "multiclass":
                out = torch.softmax(out, dim=1)
            elif task == "count":
                out = torch.exp(out)
            return out.numpy().copy()
