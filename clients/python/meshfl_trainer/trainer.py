"""The trainer's side of the protocol as plain Python: numpy arrays in, numpy arrays out."""

import collections
import threading

import numpy as np

__all__ = ["Trainer", "SplitTrainer", "TrainerError", "Declared", "Part", "ROLES", "as_declared"]

#: One declared parameter: its name and shape.
Declared = collections.namedtuple("Declared", "name shape")

#: A loaded part of a job: features [rows x columns] (float64, row-major), the column names, the
#: label [rows] (None where the node withheld it), the task and the class count.
Part = collections.namedtuple("Part", "features columns label task classes")

#: The roles of a split network: a bottom on every party, a top on the label holder.
ROLES = ("bottom", "top")


class TrainerError(Exception):
    """A refusal whose message the node may see as it is: say what is wrong, never a data value.

    Any other exception raised by a trainer answers the call with INTERNAL, naming only the
    operation and the exception's type.
    """

    def __init__(self, message, code="FAILED_PRECONDITION"):
        super().__init__(message)
        self.code = code


def as_declared(pairs):
    """(name, shape) pairs as :class:`Declared` with shapes as tuples of ints."""
    return [Declared(str(n), tuple(int(d) for d in s)) for n, s in pairs]


class _Rows:
    """What every trainer does with a job's rows: keeps each loaded part until the job is released.

    Shared by :class:`Trainer` and :class:`SplitTrainer`, so one object may be both and keep the
    rows once. Calls may come from several threads; the rows kept here are guarded by a lock.
    """

    #: What Describe answers; the entry point names an unnamed trainer after MODULE:FACTORY.
    name = None
    version = "1"

    def __init__(self):
        self._jobs = {}
        self._lock = threading.Lock()

    def load(self, job, part, features, columns, label, task, classes):
        """Keeps a part of a job's rows: ``features`` rows x columns, ``label`` one value a row or None.

        ``part`` is "train", "eval:0", "eval:1", ... or "predict"; ``task`` is binary, multiclass,
        regression or count, ``classes`` the class count of a multiclass label. Returns the rows.
        """
        with self._lock:
            self._jobs.setdefault(job, {})[part] = Part(features, list(columns), label, task, classes)
        return features.shape[0]

    def part(self, job, part):
        """A loaded :class:`Part`; a :class:`TrainerError` when the node has not loaded it."""
        with self._lock:
            found = self._jobs.get(job, {}).get(part)
        if found is None:
            raise TrainerError(f"job {job} has no part {part!r} loaded")
        return found

    def release(self, job):
        """Forgets a job's rows."""
        with self._lock:
            self._jobs.pop(job, None)


class Trainer(_Rows):
    """A model the node trains through: override :meth:`parameters`, :meth:`fit` and :meth:`predict`.

    In the spirit of Flower's NumPy client: parameters travel as a list of float64 arrays in the
    declared order; the rows of a job arrive once per part with :meth:`load`, which keeps them
    (see :meth:`part`), and are forgotten with :meth:`release`. Calls may come from several
    threads; the rows kept here are guarded by a lock.
    """

    def parameters(self):
        """The declared parameters, in order: a list of :class:`Declared` (or (name, shape) pairs)."""
        raise NotImplementedError

    def fit(self, job, parameters, config):
        """Local training from ``parameters``: returns (parameters, examples, metrics).

        ``config`` holds round, epochs, batch_size, learning_rate, optimizer ("sgd" or "adam"),
        seed, l2 (on weights, not biases) and proximal_mu (FedProx). ``examples`` is the number of
        training rows (the weight of this update), ``metrics`` a dict of floats (e.g. "loss").
        """
        raise NotImplementedError

    def predict(self, job, part, parameters):
        """Scores of a loaded part under ``parameters``: rows x outputs (class 1's probability for binary)."""
        raise NotImplementedError

    def declared(self):
        """:meth:`parameters` as :class:`Declared` with shapes as tuples of ints."""
        return as_declared(self.parameters())


class SplitTrainer(_Rows):
    """A split network the node trains through, one party's part of it: override the methods below.

    In the spirit of Flower's NumPy client, everything comes and goes as float64 numpy arrays. The
    node loads the party's aligned rows once per job (:meth:`load`, part "train"; the label only on
    the label holder) and sets up one network per role with :meth:`split_setup`: "bottom" on every
    party, also "top" on the label holder. Then, per batch:

    - :meth:`bottom_forward` (``training=True``) gives the bottom's cut layer for rows of the part;
    - :meth:`top_backward` (label holder) takes the parties' cut layers side by side, trains the top
      one step against the label of those rows and answers the loss and the gradient of its input;
    - :meth:`bottom_backward` takes the gradient of the last training forward's outputs: the bottom
      backpropagates it and steps its optimizer.

    :meth:`bottom_forward` with ``training=False`` and :meth:`top_forward` score without training;
    :meth:`get_state` and :meth:`set_state` take and restore a role's parameters and optimizer state.
    The server checks what these methods get and give against the role's declaration and shapes.
    """

    def split_setup(self, job, role, inputs, outputs, task, classes, optimizer, learning_rate, seed):
        """Builds the network of ``role`` ("bottom" or "top") for a job: returns its declared parameters.

        A bottom maps ``inputs`` columns (those of the loaded features) to ``outputs`` (the cut
        width); the top maps ``inputs`` (parties x cut width) to ``outputs`` logits (1, or the class
        count of a multiclass ``task``). ``optimizer`` is "sgd" or "adam" at ``learning_rate``;
        ``seed`` makes the initial values reproducible. Returns a list of :class:`Declared` (or
        (name, shape) pairs) in the order of the role's parameter vector. Called again, starts over.
        """
        raise NotImplementedError

    def bottom_forward(self, job, rows, training):
        """The bottom's outputs for ``rows`` (int64 indices into the "train" part): rows x cut width.

        A training forward keeps what :meth:`bottom_backward` needs; an evaluation one does not.
        """
        raise NotImplementedError

    def bottom_backward(self, job, gradient):
        """Backpropagates ``gradient`` (rows x cut width, of the last training forward's outputs) and steps."""
        raise NotImplementedError

    def top_forward(self, job, x):
        """The top's logits for ``x`` (rows x inputs), no training: rows x outputs."""
        raise NotImplementedError

    def top_backward(self, job, rows, x):
        """One training step of the top: forward ``x``, the task's batch-mean loss against the label of
        ``rows``, backward, an optimizer step. Returns (loss, the gradient of the loss with respect to x)."""
        raise NotImplementedError

    def get_state(self, job, role):
        """A role's parameters (arrays in the declared order) and its optimizer state (bytes)."""
        raise NotImplementedError

    def set_state(self, job, role, arrays, optimizer):
        """Puts back what :meth:`get_state` gave (``optimizer`` may be empty: a fresh optimizer)."""
        raise NotImplementedError


def as_rows(values, rows, columns):
    """Column-major float64 values of ``columns`` columns into a rows x columns row-major array."""
    flat = np.asarray(values, dtype=np.float64)
    if flat.size != rows * columns:
        raise TrainerError(f"a block of {rows} rows and {columns} columns holds {flat.size} values", "INVALID_ARGUMENT")
    return np.ascontiguousarray(flat.reshape(columns, rows).T)
