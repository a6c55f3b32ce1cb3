"""The trainer's side of the protocol as plain Python: numpy arrays in, numpy arrays out."""

import collections
import threading

import numpy as np

__all__ = ["Trainer", "TrainerError", "Declared", "Part"]

#: One declared parameter: its name and shape.
Declared = collections.namedtuple("Declared", "name shape")

#: A loaded part of a job: features [rows x columns] (float64, row-major), the column names, the
#: label [rows] (None where the node withheld it), the task and the class count.
Part = collections.namedtuple("Part", "features columns label task classes")


class TrainerError(Exception):
    """A refusal whose message the node may see as it is: say what is wrong, never a data value.

    Any other exception raised by a trainer answers the call with INTERNAL, naming only the
    operation and the exception's type.
    """

    def __init__(self, message, code="FAILED_PRECONDITION"):
        super().__init__(message)
        self.code = code


class Trainer:
    """A model the node trains through: override :meth:`parameters`, :meth:`fit` and :meth:`predict`.

    In the spirit of Flower's NumPy client: parameters travel as a list of float64 arrays in the
    declared order; the rows of a job arrive once per part with :meth:`load`, which keeps them
    (see :meth:`part`), and are forgotten with :meth:`release`. Calls may come from several
    threads; the rows kept here are guarded by a lock.
    """

    #: What Describe answers; the entry point names an unnamed trainer after MODULE:FACTORY.
    name = None
    version = "1"

    def __init__(self):
        self._jobs = {}
        self._lock = threading.Lock()

    def parameters(self):
        """The declared parameters, in order: a list of :class:`Declared` (or (name, shape) pairs)."""
        raise NotImplementedError

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

    def release(self, job):
        """Forgets a job's rows."""
        with self._lock:
            self._jobs.pop(job, None)

    def declared(self):
        """:meth:`parameters` as :class:`Declared` with shapes as tuples of ints."""
        return [Declared(str(n), tuple(int(d) for d in s)) for n, s in self.parameters()]


def as_rows(values, rows, columns):
    """Column-major float64 values of ``columns`` columns into a rows x columns row-major array."""
    flat = np.asarray(values, dtype=np.float64)
    if flat.size != rows * columns:
        raise TrainerError(f"a block of {rows} rows and {columns} columns holds {flat.size} values", "INVALID_ARGUMENT")
    return np.ascontiguousarray(flat.reshape(columns, rows).T)
