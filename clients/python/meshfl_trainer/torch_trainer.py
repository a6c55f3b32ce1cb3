"""A :class:`~meshfl_trainer.Trainer` for a ``torch.nn.Module`` and a :class:`~meshfl_trainer.SplitTrainer`
for a pair of them (bottom and top of a split network), trained in float64."""

import inspect
import io
import math
import threading

import numpy as np
import torch
from torch import nn

from .trainer import ROLES, Declared, SplitTrainer, Trainer, TrainerError

__all__ = ["TorchTrainer", "TorchSplitTrainer", "meshfl_init"]

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
        return self.loss if self.loss is not None else _loss_of(task)

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


def _loss_of(task):
    """The task's batch-mean loss on raw outputs, as MeshFL's Head computes it."""
    if task == "binary":
        return nn.BCEWithLogitsLoss()
    if task == "multiclass":
        return nn.CrossEntropyLoss()
    if task == "regression":
        return nn.MSELoss()
    return nn.PoissonNLLLoss(log_input=True, full=False)


#: Layers :func:`meshfl_init` looks past to find what follows a Linear.
_TRANSPARENT = (nn.Dropout, nn.Identity)


def meshfl_init(module):
    """Initializes ``module``'s ``nn.Linear`` layers as MeshFL's own networks do, and returns it.

    A Linear whose next layer is an ``nn.ReLU`` draws its weight from He's normal (std
    ``sqrt(2 / in)``), any other (the last one, with no activation after it, or one before a tanh)
    from Glorot's (std ``sqrt(2 / (in + out))``); biases start at 0: MeshFL's ``Dense`` and
    ``Network.mlp``. "Next" is the order of ``module.modules()`` (an ``nn.Sequential``'s order),
    looking past dropout and identity layers. The values come from torch's generator (seed it with
    ``torch.manual_seed``; :class:`TorchSplitTrainer` does), so they follow MeshFL's distributions,
    not its exact numbers.
    """
    leaves = [m for m in module.modules() if not any(True for _ in m.children())]
    with torch.no_grad():
        for i, layer in enumerate(leaves):
            if not isinstance(layer, nn.Linear):
                continue
            following = next((m for m in leaves[i + 1:] if not isinstance(m, _TRANSPARENT)), None)
            fan_in, fan_out = layer.in_features, layer.out_features
            std = math.sqrt(2.0 / fan_in) if isinstance(following, nn.ReLU) else math.sqrt(2.0 / (fan_in + fan_out))
            layer.weight.normal_(0.0, std)
            if layer.bias is not None:
                layer.bias.zero_()
    return module


#: Marks the optimizer state bytes a TorchSplitTrainer writes.
STATE_FORMAT = "meshfl-torch-split-optimizer/1"


def _save_state(optimizer_name, optimizer):
    """An optimizer's state as bytes: torch.save of its state_dict's per-parameter state (tensors).

    The state_dict's param_groups (learning rate, betas, eps, ...) stay out: SplitSetup decides them
    again, and their floats are more than torch 1.13's weights-only loader reads.
    """
    buffer = io.BytesIO()
    torch.save({"format": STATE_FORMAT, "optimizer": optimizer_name, "state": optimizer.state_dict()["state"]}, buffer)
    return buffer.getvalue()


def _load(data):
    """torch.load, without running arbitrary pickled code where the installed torch can refuse it."""
    buffer = io.BytesIO(data)
    if "weights_only" in inspect.signature(torch.load).parameters:
        return torch.load(buffer, weights_only=True)
    return torch.load(buffer)


def _restore_state(data, optimizer_name, optimizer, params, role):
    """Loads what :func:`_save_state` wrote into ``optimizer`` (fresh, of the same kind and parameters)."""
    wrong = TrainerError(f"the {role}'s optimizer state is not one this trainer wrote for {optimizer_name}", "INVALID_ARGUMENT")
    try:
        saved = _load(data)
    except Exception:  # noqa: BLE001 - bytes torch cannot read are the caller's
        raise wrong from None
    if not isinstance(saved, dict) or saved.get("format") != STATE_FORMAT or saved.get("optimizer") != optimizer_name:
        raise wrong
    state = saved.get("state")
    if not isinstance(state, dict) or any(not isinstance(k, int) or not 0 <= k < len(params) for k in state):
        raise wrong
    for k, entries in state.items():
        if not isinstance(entries, dict):
            raise wrong
        for value in entries.values():
            if value is not None and (not isinstance(value, torch.Tensor)
                                      or (value.dim() > 0 and tuple(value.shape) != tuple(params[k].shape))):
                raise wrong
    optimizer.load_state_dict({"state": state, "param_groups": optimizer.state_dict()["param_groups"]})


class _Net:
    """One role's network for a job: the module, its named parameters, its optimizer and how it was set up."""

    def __init__(self, module, optimizer, learning_rate, task, classes):
        self.module = module
        self.named = list(module.named_parameters())
        self.params = [p for _, p in self.named]
        self.optimizer_name = optimizer
        self.learning_rate = learning_rate
        self.optimizer = self.fresh_optimizer()
        self.task = task
        self.classes = classes

    def fresh_optimizer(self):
        if self.optimizer_name == "adam":
            return torch.optim.Adam(self.params, lr=self.learning_rate, betas=(0.9, 0.999), eps=1e-8)
        return torch.optim.SGD(self.params, lr=self.learning_rate)

    def step(self):
        """One optimizer step over gradients already computed; a parameter the loss did not reach has a zero
        gradient (it still steps, its Adam moments decay), as in MeshFL's own networks."""
        for p in self.params:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        self.optimizer.step()


class TorchSplitTrainer(SplitTrainer):
    """A split network of two ``torch.nn.Module`` factories: ``bottom(inputs, outputs)`` and ``top(inputs, outputs)``.

    Serves both roles, so every party's node can start the same trainer: each party builds a bottom
    (its loaded feature columns in, the cut width out), the label holder also the top (the parties'
    cut layers side by side in, one logit or one per class out). SplitSetup seeds torch with the
    job's seed (the top with the seed plus a fixed offset) just before calling the factory, so a
    setup is reproducible; the module then runs in float64 (``module.double()``). Its declared
    parameters are ``module.named_parameters()``, names and shapes, in order. Each role has its own
    optimizer: "adam" is ``torch.optim.Adam(lr, betas=(0.9, 0.999), eps=1e-8)``, "sgd" is
    ``torch.optim.SGD(lr)``. The top's loss is the task's batch mean, as MeshFL's own head:

    - binary: ``BCEWithLogitsLoss`` on one logit a row
    - multiclass: ``CrossEntropyLoss`` on one logit a class, the label as the class index
    - regression: ``MSELoss`` (the mean of (z - y)^2)
    - count: ``PoissonNLLLoss(log_input=True, full=False)`` on the log of the mean

    GetState's optimizer bytes are ``torch.save`` of the optimizer's ``state_dict()["state"]`` (its
    moments and step counts; the hyperparameters come from SplitSetup), read back with
    ``torch.load(weights_only=True)`` where torch has it; empty bytes in SetState start a fresh
    optimizer. Calls run one at a time. Use :func:`meshfl_init` in the factories for MeshFL's
    initial distributions.
    """

    #: Added to the job's seed before the top is built, so a label holder's two networks draw differently.
    SEED_OFFSET = {"bottom": 0, "top": 7919}

    def __init__(self, bottom, top, name=None, version="1"):
        super().__init__()
        self.factories = {"bottom": bottom, "top": top}
        self.name = name
        self.version = version
        self._nets = {}
        # the rows and output of the last training forward of each job's bottom, until its backward
        self._pending = {}
        self._training = threading.RLock()

    def _net(self, job, role):
        net = self._nets.get((job, role))
        if net is None:
            raise TrainerError(f"job {job} has no {role} network set up")
        return net

    def _rows(self, job, rows):
        train = self.part(job, "train")
        rows = np.asarray(rows, dtype=np.int64)
        n = train.features.shape[0]
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise TrainerError(f"job {job}: rows outside the {n} loaded rows of the train part", "INVALID_ARGUMENT")
        return train, rows

    def split_setup(self, job, role, inputs, outputs, task, classes, optimizer, learning_rate, seed):
        if role not in ROLES:
            raise TrainerError(f"the role {role!r} is not {' or '.join(ROLES)}", "INVALID_ARGUMENT")
        optimizer = optimizer or "sgd"
        if optimizer not in ("sgd", "adam"):
            raise TrainerError(f"optimizer {optimizer!r} is not sgd or adam", "INVALID_ARGUMENT")
        learning_rate = float(learning_rate)
        if not (learning_rate > 0 and math.isfinite(learning_rate)):
            raise TrainerError("learning_rate must be > 0", "INVALID_ARGUMENT")
        if role == "top":
            if task not in TASKS:
                raise TrainerError(f"job {job} names the task {task!r}; a TorchSplitTrainer knows {', '.join(TASKS)}",
                                   "INVALID_ARGUMENT")
            expected = int(classes) if task == "multiclass" else 1
            if task == "multiclass" and expected < 2:
                raise TrainerError(f"a multiclass top needs at least 2 classes, the job says {classes}", "INVALID_ARGUMENT")
            if int(outputs) != expected:
                raise TrainerError(f"a {task} top has {expected} outputs, SplitSetup asks for {outputs}", "INVALID_ARGUMENT")
        with self._training:
            self._nets.pop((job, role), None)
            if role == "bottom":
                self._pending.pop(job, None)
            torch.manual_seed((int(seed) + self.SEED_OFFSET[role]) & 0xFFFF_FFFF_FFFF_FFFF)
            module = self.factories[role](int(inputs), int(outputs))
            if not isinstance(module, nn.Module):
                raise TypeError(f"the {role} factory returned a {type(module).__name__}, not a torch.nn.Module")
            module = module.double()
            if not any(True for _ in module.parameters()):
                raise TrainerError(f"the {role} factory made a module without parameters")
            net = self._nets[(job, role)] = _Net(module, optimizer, learning_rate, task, int(classes))
            return [Declared(n, tuple(p.shape)) for n, p in net.named]

    def bottom_forward(self, job, rows, training):
        train, rows = self._rows(job, rows)
        with self._training:
            net = self._net(job, "bottom")
            x = torch.from_numpy(train.features[rows])
            if training:
                self._pending.pop(job, None)
                net.module.train()
                out = net.module(x)
                self._pending[job] = out
                return out.detach().numpy().copy()
            net.module.eval()
            with torch.no_grad():
                return net.module(x).numpy().copy()

    def bottom_backward(self, job, gradient):
        with self._training:
            net = self._net(job, "bottom")
            out = self._pending.pop(job, None)
            if out is None:
                raise TrainerError(f"job {job}: Backward without a training Forward before it")
            g = torch.from_numpy(np.asarray(gradient, dtype=np.float64))
            if tuple(g.shape) != tuple(out.shape):
                raise TrainerError(f"the gradient is {list(g.shape)}, the last training forward gave {list(out.shape)}",
                                   "INVALID_ARGUMENT")
            net.optimizer.zero_grad(set_to_none=True)
            out.backward(g)
            net.step()

    def _logits(self, net, x):
        z = net.module(x)
        return z.reshape(-1, 1) if z.dim() == 1 else z

    def top_forward(self, job, x):
        with self._training:
            net = self._net(job, "top")
            net.module.eval()
            with torch.no_grad():
                return self._logits(net, torch.from_numpy(np.asarray(x, dtype=np.float64))).numpy().copy()

    def top_backward(self, job, rows, x):
        train, rows = self._rows(job, rows)
        if train.label is None:
            raise TrainerError(f"job {job}: the train part was loaded without a label, so this party cannot train the top")
        with self._training:
            net = self._net(job, "top")
            label = train.label[rows]
            if net.task == "multiclass":
                if not np.all((label >= 0) & (label < net.classes) & (label == np.round(label))):
                    raise TrainerError(f"job {job}: a label of the batch is not a class index in [0, {net.classes})",
                                       "INVALID_ARGUMENT")
                y = torch.from_numpy(label).long()
            else:
                y = torch.from_numpy(label).reshape(-1, 1)
            xt = torch.from_numpy(np.array(x, dtype=np.float64)).requires_grad_(True)
            net.module.train()
            loss = _loss_of(net.task)(self._logits(net, xt), y)
            value = float(loss.detach())
            if not math.isfinite(value):
                raise TrainerError(f"split training diverged: the top's loss is {value}; lower the learning rate")
            net.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            net.step()
            return value, xt.grad.numpy().copy()

    def get_state(self, job, role):
        with self._training:
            net = self._net(job, role)
            arrays = [p.detach().numpy().copy() for p in net.params]
            return arrays, _save_state(net.optimizer_name, net.optimizer)

    def set_state(self, job, role, arrays, optimizer):
        with self._training:
            net = self._net(job, role)
            if role == "bottom":
                self._pending.pop(job, None)
            arrays = list(arrays)
            if [tuple(np.shape(a)) for a in arrays] != [tuple(p.shape) for p in net.params]:
                raise TrainerError(f"SetState's arrays do not have the {role}'s parameter shapes", "INVALID_ARGUMENT")
            fresh = net.fresh_optimizer()
            if optimizer:
                _restore_state(bytes(optimizer), net.optimizer_name, fresh, net.params, role)
            with torch.no_grad():
                for p, a in zip(net.params, arrays):
                    p.copy_(torch.from_numpy(np.asarray(a, dtype=np.float64)))
            net.optimizer = fresh

    def release(self, job):
        super().release(job)
        with self._training:
            self._pending.pop(job, None)
            for key in [k for k in self._nets if k[0] == job]:
                del self._nets[key]
