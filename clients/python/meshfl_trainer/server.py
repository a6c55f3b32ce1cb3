"""meshfl.trainer.v1.TrainerService over gRPC on a Unix socket, for one :class:`~meshfl_trainer.Trainer`,
:class:`~meshfl_trainer.SplitTrainer` or an object that is both."""

import collections
import concurrent.futures
import hmac
import os
import signal
import stat
import sys
import threading
import traceback

import grpc
import numpy as np

from . import trainer_pb2 as pb
from .trainer import ROLES, SplitTrainer, Trainer, TrainerError, as_declared, as_rows

__all__ = ["SERVICE", "TOKEN_KEY", "SOCKET_ENV", "TOKEN_ENV", "METHODS", "start", "serve"]

SERVICE = "meshfl.trainer.v1.TrainerService"
#: The metadata key of the launch's secret on every call.
TOKEN_KEY = "meshfl-trainer-token"
SOCKET_ENV = "MESHFL_TRAINER_SOCKET"
TOKEN_ENV = "MESHFL_TRAINER_TOKEN"
#: Seconds between looks at whether the node that started the trainer is still its parent.
PARENT_POLL = 0.5

_OPTIONS = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]


def _log(message):
    print("meshfl-trainer: " + message, file=sys.stderr, flush=True)


def _floats(data, count, what):
    """Little-endian float64 bytes holding exactly ``count`` values, as a new (writable) float64 array."""
    if len(data) != 8 * count:
        raise TrainerError(f"{what} holds {len(data)} bytes where {count} values take {8 * count}", "INVALID_ARGUMENT")
    if count == 0:
        return np.zeros(0, dtype=np.float64)
    return np.frombuffer(data, dtype="<f8", count=count).astype(np.float64)


def _bytes(array):
    """An array's values as little-endian float64 bytes, row-major."""
    return np.ascontiguousarray(array, dtype="<f8").tobytes()


def _block(b, what):
    """A column-major block as a rows x columns array."""
    if b.rows < 0:
        raise TrainerError(f"{what} has {b.rows} rows", "INVALID_ARGUMENT")
    return as_rows(_floats(b.data, b.rows * len(b.columns), what), b.rows, len(b.columns))


def _matrix(m, what, rows=None, columns=None):
    """A request's row-major matrix as a rows x columns array, refused unless finite and of the expected size."""
    if m.rows < 0 or m.columns < 0:
        raise TrainerError(f"{what} is {m.rows} x {m.columns}", "INVALID_ARGUMENT")
    if (rows is not None and m.rows != rows) or (columns is not None and m.columns != columns):
        expected = f"{'?' if rows is None else rows} x {'?' if columns is None else columns}"
        raise TrainerError(f"{what} is {m.rows} x {m.columns}, expected {expected}", "INVALID_ARGUMENT")
    values = _floats(m.data, m.rows * m.columns, what).reshape(m.rows, m.columns)
    if not np.all(np.isfinite(values)):
        raise TrainerError(f"{what} holds non-finite values", "INVALID_ARGUMENT")
    return values


def _returned(array, shape, what):
    """An array a trainer returned, as float64 of exactly ``shape`` with finite values (INTERNAL otherwise)."""
    try:
        a = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise TrainerError(f"{what} returned a {type(array).__name__}, not an array of numbers", "INTERNAL") from None
    if a.shape != tuple(shape):
        raise TrainerError(f"{what} returned an array of shape {list(a.shape)}, expected {list(shape)}", "INTERNAL")
    if not np.all(np.isfinite(a)):
        raise TrainerError(f"{what} returned non-finite values", "INTERNAL")
    return a


def _reply_matrix(a):
    return pb.Matrix(rows=a.shape[0], columns=a.shape[1], data=_bytes(a))


def _tensors(tensors, declared, what, finite=False, data=None):
    """Named tensors of a request as float64 arrays in the declared order; refuses any other layout.

    ``data``: the values of all tensors back to back (a call's bulk input file), their own data empty.
    """
    if len(tensors) != len(declared):
        raise TrainerError(f"{what} has {len(tensors)} tensors, the trainer declares {len(declared)}", "INVALID_ARGUMENT")
    out = []
    for t, d in zip(tensors, declared):
        shape = tuple(t.shape)
        if t.name != d.name or shape != d.shape:
            raise TrainerError(f"{what} has tensor {t.name!r} {list(shape)} where the trainer declares {d.name!r} {list(d.shape)}",
                               "INVALID_ARGUMENT")
        count = int(np.prod(shape, dtype=np.int64))
        if data is None:
            raw = t.data
        else:
            raw, data = data[:8 * count], data[8 * count:]
        values = _floats(raw, count, f"{what}: tensor {t.name!r} {list(shape)}").reshape(shape)
        if finite and not np.all(np.isfinite(values)):
            raise TrainerError(f"{what}: tensor {t.name!r} holds non-finite values", "INVALID_ARGUMENT")
        out.append(values)
    if data is not None and len(data):
        raise TrainerError(f"{what}'s bulk file holds {len(data)} bytes beyond the declared tensors", "INVALID_ARGUMENT")
    return out


def _messages(arrays, declared, what, finite=False, inline=True):
    """Arrays a trainer returned as named tensors, after checking them against the declaration.

    With ``inline`` false: (tensor without data, array) pairs, the values to be written beside the call.
    """
    arrays = list(arrays)
    if len(arrays) != len(declared):
        raise TrainerError(f"{what} returned {len(arrays)} tensors, the trainer declares {len(declared)}", "INTERNAL")
    out = []
    for a, d in zip(arrays, declared):
        a = np.asarray(a, dtype=np.float64)
        if a.shape != d.shape:
            raise TrainerError(f"{what} returned {list(a.shape)} for {d.name!r}, declared {list(d.shape)}", "INTERNAL")
        if finite and not np.all(np.isfinite(a)):
            raise TrainerError(f"{what} returned non-finite values for {d.name!r}", "INTERNAL")
        out.append(pb.Tensor(name=d.name, shape=d.shape, data=_bytes(a)) if inline else (pb.Tensor(name=d.name, shape=d.shape), a))
    return out


#: Each call's request and reply messages.
METHODS = {
    "Describe": (pb.DescribeRequest, pb.DescribeReply),
    "Load": (pb.LoadRequest, pb.LoadReply),
    "Fit": (pb.FitRequest, pb.FitReply),
    "Predict": (pb.PredictRequest, pb.PredictReply),
    "Release": (pb.ReleaseRequest, pb.ReleaseReply),
    "SplitSetup": (pb.SplitSetupRequest, pb.SplitSetupReply),
    "Forward": (pb.ForwardRequest, pb.Matrix),
    "Backward": (pb.BackwardRequest, pb.BackwardReply),
    "TopStep": (pb.TopStepRequest, pb.TopStepReply),
    "TopPredict": (pb.TopPredictRequest, pb.Matrix),
    "GetState": (pb.StateRequest, pb.State),
    "SetState": (pb.State, pb.SetStateReply),
}

#: The calls a kind of trainer serves, and the method each needs.
_NEEDS = {
    "Fit": (Trainer, "fit"), "Predict": (Trainer, "predict"),
    "SplitSetup": (SplitTrainer, "split_setup"), "Forward": (SplitTrainer, "bottom_forward"),
    "Backward": (SplitTrainer, "bottom_backward"), "TopStep": (SplitTrainer, "top_backward"),
    "TopPredict": (SplitTrainer, "top_forward"), "GetState": (SplitTrainer, "get_state"),
    "SetState": (SplitTrainer, "set_state"),
}

#: A role's network as set up for a job: its declaration and widths.
_Role = collections.namedtuple("_Role", "declared inputs outputs")


class _Job:
    """What the server knows of a job to check calls and answers: the train part's size, the roles set up."""

    def __init__(self):
        self.train_rows = None
        self.train_columns = None
        self.roles = {}
        #: The rows of the last training Forward, until its Backward.
        self.pending = None


class _Service:
    """The calls, each turning messages into the trainer's numpy arguments and back."""

    def __init__(self, trainer, folder=None):
        if not isinstance(trainer, (Trainer, SplitTrainer)):
            raise TypeError(f"a {type(trainer).__name__} is neither a meshfl_trainer.Trainer nor a meshfl_trainer.SplitTrainer")
        self.trainer = trainer
        self.name = trainer.name or type(trainer).__name__
        self.declared = trainer.declared() if isinstance(trainer, Trainer) else []
        self._jobs = {}
        self._lock = threading.Lock()
        #: The folder of the socket, where the node puts parameter values beside Fit and Predict (None: inline only).
        self.folder = folder

    def refusal(self, operation):
        """Why the trainer does not serve ``operation`` (UNIMPLEMENTED), or None."""
        needs = _NEEDS.get(operation)
        if needs is None:
            return None
        kind, method = needs
        if not isinstance(self.trainer, kind):
            what = "split networks" if kind is SplitTrainer else "horizontal training"
            return TrainerError(f"the trainer {self.name} does not serve {operation}: it is not a meshfl_trainer.{kind.__name__} "
                                f"(it does not train {what})", "UNIMPLEMENTED")
        if getattr(type(self.trainer), method, None) is getattr(kind, method):
            return TrainerError(f"the trainer {self.name} does not serve {operation}: it does not implement {kind.__name__}.{method}",
                                "UNIMPLEMENTED")
        return None

    def _job(self, job):
        with self._lock:
            return self._jobs.setdefault(job, _Job())

    def _role(self, job, role, operation):
        if role not in ROLES:
            raise TrainerError(f"{operation} names the role {role!r}, not {' or '.join(ROLES)}", "INVALID_ARGUMENT")
        with self._lock:
            found = self._jobs.get(job)
            found = found.roles.get(role) if found is not None else None
        if found is None:
            raise TrainerError(f"job {job} has no {role} network set up: SplitSetup comes before {operation}")
        return found

    def _rows(self, job, rows, operation, training):
        with self._lock:
            found = self._jobs.get(job)
            n = found.train_rows if found is not None else None
        if n is None:
            raise TrainerError(f"job {job} has no part 'train' loaded")
        rows = np.asarray(rows, dtype=np.int64)
        if training and rows.size == 0:
            raise TrainerError(f"{operation} names no rows: a training batch has at least one", "INVALID_ARGUMENT")
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise TrainerError(f"{operation} names rows outside the {n} loaded rows of the train part", "INVALID_ARGUMENT")
        return rows

    def Describe(self, request):
        return pb.DescribeReply(name=self.name, version=str(self.trainer.version),
                                parameters=[pb.Tensor(name=d.name, shape=d.shape) for d in self.declared],
                                bulk=self.folder is not None)

    def _bulk_file(self, name, what):
        """The path of a file the node named beside a call: a plain name in the socket's folder."""
        if self.folder is None:
            raise TrainerError(f"{what} carries its values in a file, but this trainer did not declare bulk", "INVALID_ARGUMENT")
        if not name or name in (".", "..") or os.path.basename(name) != name:
            raise TrainerError(f"{what} names the file {name!r}, not a plain name in the trainer's folder", "INVALID_ARGUMENT")
        return os.path.join(self.folder, name)

    def _parameters(self, request, what):
        """A request's parameters as float64 arrays in the declared order, from the message or its bulk input file."""
        if not request.HasField("bulk"):
            return _tensors(request.parameters, self.declared, what)
        path = self._bulk_file(request.bulk.input, what)
        with open(path, "rb") as f:
            data = f.read()
        return _tensors(request.parameters, self.declared, what, data=memoryview(data))

    def Load(self, request):
        f = request.features
        features = _block(f, "the features block")
        label = None
        if request.HasField("label"):
            lb = request.label
            if len(lb.columns) != 1 or lb.rows != f.rows:
                raise TrainerError(f"the label block has {len(lb.columns)} columns and {lb.rows} rows, "
                                   f"the features {f.rows} rows", "INVALID_ARGUMENT")
            label = _block(lb, "the label block").reshape(-1)
        rows = self.trainer.load(request.job_id, request.part, features, list(f.columns), label, request.task, request.classes)
        rows = int(rows if rows is not None else f.rows)
        if request.part == "train":
            state = self._job(request.job_id)
            with self._lock:
                state.train_rows, state.train_columns, state.pending = rows, len(f.columns), None
        return pb.LoadReply(rows=rows)

    def Fit(self, request):
        params = self._parameters(request, "Fit")
        config = {"round": request.round, "epochs": request.epochs, "batch_size": request.batch_size,
                  "learning_rate": request.learning_rate, "optimizer": request.optimizer, "seed": request.seed,
                  "l2": request.l2, "proximal_mu": request.proximal_mu, "momentum": request.momentum}
        arrays, examples, metrics = self.trainer.fit(request.job_id, params, config)
        if request.HasField("bulk"):
            path = self._bulk_file(request.bulk.output, "Fit")
            values = _messages(arrays, self.declared, "Fit", inline=False)
            # in place: the node reads the file it created through its own handle
            with open(path, "r+b") as f:
                f.truncate(0)
                for _, a in values:
                    np.ascontiguousarray(a, dtype="<f8").tofile(f)
            reply = pb.FitReply(parameters=[t for t, _ in values], examples=int(examples), bulk=True)
        else:
            reply = pb.FitReply(parameters=_messages(arrays, self.declared, "Fit"), examples=int(examples))
        for k, v in (metrics or {}).items():
            reply.metrics[str(k)] = float(v)
        return reply

    def Predict(self, request):
        params = self._parameters(request, "Predict")
        scores = np.asarray(self.trainer.predict(request.job_id, request.part, params), dtype=np.float64)
        if scores.ndim == 1:
            scores = scores.reshape(-1, 1)
        if scores.ndim != 2:
            raise TrainerError(f"Predict returned scores of shape {list(scores.shape)}, not rows x outputs", "INTERNAL")
        return pb.PredictReply(outputs=scores.shape[1], scores=_bytes(scores))

    def Release(self, request):
        self.trainer.release(request.job_id)
        with self._lock:
            self._jobs.pop(request.job_id, None)
        return pb.ReleaseReply()

    def SplitSetup(self, request):
        job, role = request.job_id, request.role
        if role not in ROLES:
            raise TrainerError(f"SplitSetup names the role {role!r}, not {' or '.join(ROLES)}", "INVALID_ARGUMENT")
        if request.inputs < 1 or request.outputs < 1:
            raise TrainerError(f"SplitSetup of the {role} asks for {request.inputs} inputs and {request.outputs} outputs; "
                               "each must be at least 1", "INVALID_ARGUMENT")
        state = self._job(job)
        with self._lock:
            columns = state.train_columns
        if role == "bottom" and columns is not None and request.inputs != columns:
            raise TrainerError(f"SplitSetup of the bottom asks for {request.inputs} inputs; the train part has {columns} columns",
                               "INVALID_ARGUMENT")
        with self._lock:
            state.roles.pop(role, None)
            if role == "bottom":
                state.pending = None
        declared = as_declared(self.trainer.split_setup(job, role, request.inputs, request.outputs, request.task, request.classes,
                                                        request.optimizer, request.learning_rate, request.seed))
        names = [d.name for d in declared]
        if len(set(names)) != len(names):
            raise TrainerError(f"SplitSetup of the {role} declares a parameter name twice", "INTERNAL")
        if any(n < 0 for d in declared for n in d.shape):
            raise TrainerError(f"SplitSetup of the {role} declares a negative dimension", "INTERNAL")
        with self._lock:
            state.roles[role] = _Role(declared, request.inputs, request.outputs)
        return pb.SplitSetupReply(parameters=[pb.Tensor(name=d.name, shape=d.shape) for d in declared])

    def Forward(self, request):
        job = request.job_id
        bottom = self._role(job, "bottom", "Forward")
        rows = self._rows(job, request.rows, "Forward", request.training)
        state = self._job(job)
        if request.training:
            with self._lock:
                state.pending = None
        out = _returned(self.trainer.bottom_forward(job, rows, bool(request.training)), (rows.size, bottom.outputs), "Forward")
        if request.training:
            with self._lock:
                state.pending = rows.size
        return _reply_matrix(out)

    def Backward(self, request):
        job = request.job_id
        bottom = self._role(job, "bottom", "Backward")
        state = self._job(job)
        with self._lock:
            pending = state.pending
        if pending is None:
            raise TrainerError(f"job {job}: Backward without a training Forward before it")
        gradient = _matrix(request.gradient, "Backward's gradient", pending, bottom.outputs)
        with self._lock:
            state.pending = None
        self.trainer.bottom_backward(job, gradient)
        return pb.BackwardReply()

    def TopStep(self, request):
        job = request.job_id
        top = self._role(job, "top", "TopStep")
        rows = self._rows(job, request.rows, "TopStep", True)
        x = _matrix(request.input, "TopStep's input", rows.size, top.inputs)
        result = self.trainer.top_backward(job, rows, x)
        try:
            loss, dx = result
            loss = float(loss)
        except (TypeError, ValueError):
            raise TrainerError("TopStep: the trainer's top_backward returned something other than (loss, gradient)", "INTERNAL") from None
        if not np.isfinite(loss):
            raise TrainerError("TopStep returned a non-finite loss", "INTERNAL")
        dx = _returned(dx, x.shape, "TopStep")
        return pb.TopStepReply(loss=loss, input_gradient=_reply_matrix(dx))

    def TopPredict(self, request):
        job = request.job_id
        top = self._role(job, "top", "TopPredict")
        x = _matrix(request.input, "TopPredict's input", None, top.inputs)
        logits = self.trainer.top_forward(job, x)
        if top.outputs == 1 and np.ndim(logits) == 1:
            logits = np.reshape(logits, (-1, 1))
        return _reply_matrix(_returned(logits, (x.shape[0], top.outputs), "TopPredict"))

    def GetState(self, request):
        job, role = request.job_id, request.role
        declared = self._role(job, role, "GetState").declared
        result = self.trainer.get_state(job, role)
        try:
            arrays, optimizer = result
        except (TypeError, ValueError):
            raise TrainerError("GetState: the trainer's get_state returned something other than (arrays, bytes)", "INTERNAL") from None
        if optimizer is None:
            optimizer = b""
        if not isinstance(optimizer, (bytes, bytearray, memoryview)):
            raise TrainerError(f"GetState: the trainer's optimizer state is a {type(optimizer).__name__}, not bytes", "INTERNAL")
        return pb.State(job_id=job, role=role, parameters=_messages(arrays, declared, "GetState", finite=True),
                        optimizer=bytes(optimizer))

    def SetState(self, request):
        job, role = request.job_id, request.role
        declared = self._role(job, role, "SetState").declared
        arrays = _tensors(request.parameters, declared, "SetState", finite=True)
        if role == "bottom":
            state = self._job(job)
            with self._lock:
                state.pending = None
        self.trainer.set_state(job, role, arrays, bytes(request.optimizer))
        return pb.SetStateReply()


def _guarded(operation, service, call):
    """A gRPC behaviour answering a refusal with its code, a call the trainer does not serve with
    UNIMPLEMENTED and any other exception with INTERNAL."""

    def behaviour(request, context):
        try:
            unserved = service.refusal(operation)
            if unserved is not None:
                raise unserved
            return call(request)
        except TrainerError as e:
            code = getattr(grpc.StatusCode, e.code, grpc.StatusCode.FAILED_PRECONDITION)
            message = str(e)
        except Exception as e:  # the trainer's own code: its message may quote data, so only its type leaves
            code = grpc.StatusCode.INTERNAL
            message = f"{operation} failed in the trainer: {type(e).__name__}"
            where = "; ".join(f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}" for f in traceback.extract_tb(e.__traceback__))
            _log(f"{operation} failed: {type(e).__name__} at {where}")
        context.abort(code, message)

    return behaviour


class _TokenCheck(grpc.ServerInterceptor):
    """Refuses, UNAUTHENTICATED, a call whose meshfl-trainer-token is not the launch's secret."""

    def __init__(self, token):
        self.token = token.encode("utf-8")

        def refuse(request, context):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "the call does not carry the trainer's token")

        self.refusal = grpc.unary_unary_rpc_method_handler(refuse)

    def intercept_service(self, continuation, details):
        given = b""
        for key, value in details.invocation_metadata or ():
            if key == TOKEN_KEY:
                given = value.encode("utf-8") if isinstance(value, str) else bytes(value)
                break
        if hmac.compare_digest(given, self.token):
            return continuation(details)
        return self.refusal


def start(trainer, socket_path, token, workers=4):
    """A started gRPC server of ``trainer`` on ``unix:socket_path`` (stop it with ``.stop(grace)``)."""
    if not token:
        raise ValueError("the trainer needs a token: every call must carry it")
    socket_path = os.path.abspath(socket_path)
    if os.path.exists(socket_path) and stat.S_ISSOCK(os.stat(socket_path).st_mode):
        os.unlink(socket_path)  # a socket left by a trainer that died
    service = _Service(trainer, folder=os.path.dirname(socket_path))
    handlers = {}
    for operation, (request, reply) in METHODS.items():
        handlers[operation] = grpc.unary_unary_rpc_method_handler(
            _guarded(operation, service, getattr(service, operation)),
            request_deserializer=request.FromString, response_serializer=reply.SerializeToString)
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="meshfl-trainer"),
                         handlers=[grpc.method_handlers_generic_handler(SERVICE, handlers)],
                         interceptors=[_TokenCheck(token)], options=_OPTIONS)
    try:
        bound = server.add_insecure_port("unix:" + socket_path)
    except RuntimeError as e:
        raise OSError(f"cannot listen on unix:{socket_path}: {e}") from None
    if not bound:
        raise OSError(f"cannot listen on unix:{socket_path}")
    server.start()
    return server


def serve(trainer, socket_path=None, token=None, stop=None, watch_parent=True):
    """Serves ``trainer`` until ``stop`` (a threading.Event) is set, SIGTERM, or its parent process ends.

    ``socket_path`` and ``token`` default to $MESHFL_TRAINER_SOCKET and $MESHFL_TRAINER_TOKEN (the token
    is then removed from the environment, so processes the trainer starts do not inherit it). With
    ``watch_parent`` the server ends once the process that started it (the node) is gone, so no
    trainer outlives its node.
    """
    if socket_path is None:
        socket_path = os.environ.get(SOCKET_ENV)
        if not socket_path:
            raise SystemExit(f"${SOCKET_ENV} is not set: the node starts the trainer with the socket to listen on")
    if token is None:
        token = os.environ.pop(TOKEN_ENV, None)
        if not token:
            raise SystemExit(f"${TOKEN_ENV} is not set: the node starts the trainer with the calls' secret")
    stop = stop or threading.Event()
    parent = os.getppid()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    server = start(trainer, socket_path, token)
    _log(f"serving {trainer.name or type(trainer).__name__} on unix:{socket_path}")
    try:
        while not stop.wait(PARENT_POLL):
            if watch_parent and os.getppid() != parent:
                _log("the node that started this trainer is gone; stopping")
                break
    finally:
        server.stop(1).wait()
        try:
            os.unlink(socket_path)
        except OSError:
            pass
