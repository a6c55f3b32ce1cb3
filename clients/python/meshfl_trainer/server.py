"""meshfl.trainer.v1.TrainerService over gRPC on a Unix socket, for one :class:`~meshfl_trainer.Trainer`."""

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
from .trainer import TrainerError, as_rows

__all__ = ["SERVICE", "TOKEN_KEY", "SOCKET_ENV", "TOKEN_ENV", "start", "serve"]

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


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _doubles(message, field, values):
    """The packed float64 field ``field`` of ``message`` (its last field) as a new float64 array.

    Read from the message's serialized bytes, where it comes last (fields are written in number
    order), without a Python float per value; from the field itself if the bytes say otherwise.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    raw = message.SerializeToString()
    start = len(raw) - 8 * n
    head = bytes([field << 3 | 2]) + _varint(8 * n)
    if start >= len(head) and raw[start - len(head):start] == head:
        return np.frombuffer(raw, dtype="<f8", count=n, offset=start).astype(np.float64)
    return np.asarray(values, dtype=np.float64)


def _packed(field, array):
    """A packed float64 field's bytes, straight from the array's memory (empty for no values)."""
    data = np.ascontiguousarray(array, dtype="<f8").tobytes()
    return bytes([field << 3 | 2]) + _varint(len(data)) + data if data else b""


def _embedded(field, data):
    return bytes([field << 3 | 2]) + _varint(len(data)) + data


def _serialize(reply):
    """A reply message, or its bytes already written by the service."""
    return reply if isinstance(reply, bytes) else reply.SerializeToString()


def _tensors(tensors, declared, what):
    """Named tensors of a request as float64 arrays in the declared order; refuses any other layout."""
    if len(tensors) != len(declared):
        raise TrainerError(f"{what} has {len(tensors)} tensors, the trainer declares {len(declared)}", "INVALID_ARGUMENT")
    out = []
    for t, d in zip(tensors, declared):
        shape = tuple(t.shape)
        if t.name != d.name or shape != d.shape:
            raise TrainerError(f"{what} has tensor {t.name!r} {list(shape)} where the trainer declares {d.name!r} {list(d.shape)}",
                               "INVALID_ARGUMENT")
        values = _doubles(t, 3, t.values)
        if values.size != int(np.prod(shape, dtype=np.int64)):
            raise TrainerError(f"{what}: tensor {t.name!r} {list(shape)} holds {values.size} values", "INVALID_ARGUMENT")
        out.append(values.reshape(shape))
    return out


def _messages(arrays, declared, what):
    """Arrays a trainer returned as serialized named tensors, after checking them against the declaration.

    The values are written from the arrays' memory: a million parameters cost one copy, not a
    million Python floats.
    """
    arrays = list(arrays)
    if len(arrays) != len(declared):
        raise TrainerError(f"{what} returned {len(arrays)} tensors, the trainer declares {len(declared)}", "INTERNAL")
    out = []
    for a, d in zip(arrays, declared):
        a = np.asarray(a, dtype=np.float64)
        if a.shape != d.shape:
            raise TrainerError(f"{what} returned {list(a.shape)} for {d.name!r}, declared {list(d.shape)}", "INTERNAL")
        out.append(pb.Tensor(name=d.name, shape=d.shape).SerializeToString() + _packed(3, a.ravel(order="C")))
    return out


class _Service:
    """The five calls, each turning messages into the trainer's numpy arguments and back."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.declared = trainer.declared()

    def Describe(self, request):
        return pb.DescribeReply(name=self.trainer.name or type(self.trainer).__name__, version=str(self.trainer.version),
                                parameters=[pb.Tensor(name=d.name, shape=d.shape) for d in self.declared])

    def Load(self, request):
        f = request.features
        features = as_rows(_doubles(f, 3, f.values), f.rows, len(f.columns))
        label = None
        if request.HasField("label"):
            lb = request.label
            if len(lb.columns) != 1 or lb.rows != f.rows:
                raise TrainerError(f"the label block has {len(lb.columns)} columns and {lb.rows} rows, "
                                   f"the features {f.rows} rows", "INVALID_ARGUMENT")
            label = as_rows(_doubles(lb, 3, lb.values), lb.rows, 1).reshape(-1)
        rows = self.trainer.load(request.job_id, request.part, features, list(f.columns), label, request.task, request.classes)
        return pb.LoadReply(rows=int(rows if rows is not None else f.rows))

    def Fit(self, request):
        params = _tensors(request.parameters, self.declared, "Fit")
        config = {"round": request.round, "epochs": request.epochs, "batch_size": request.batch_size,
                  "learning_rate": request.learning_rate, "optimizer": request.optimizer, "seed": request.seed,
                  "l2": request.l2, "proximal_mu": request.proximal_mu, "momentum": request.momentum}
        result = self.trainer.fit(request.job_id, params, config)
        arrays, examples, metrics = result
        tensors = _messages(arrays, self.declared, "Fit")
        reply = pb.FitReply(examples=int(examples))
        for k, v in (metrics or {}).items():
            reply.metrics[str(k)] = float(v)
        # field 1 (parameters) written here; a message's fields may come in any order and concatenate
        return b"".join(_embedded(1, t) for t in tensors) + reply.SerializeToString()

    def Predict(self, request):
        params = _tensors(request.parameters, self.declared, "Predict")
        scores = np.asarray(self.trainer.predict(request.job_id, request.part, params), dtype=np.float64)
        if scores.ndim == 1:
            scores = scores.reshape(-1, 1)
        if scores.ndim != 2:
            raise TrainerError(f"Predict returned scores of shape {list(scores.shape)}, not rows x outputs", "INTERNAL")
        return pb.PredictReply(outputs=scores.shape[1]).SerializeToString() + _packed(2, scores.ravel(order="C"))

    def Release(self, request):
        self.trainer.release(request.job_id)
        return pb.ReleaseReply()


def _guarded(operation, call):
    """A gRPC behaviour answering a refusal with its code and any other exception with INTERNAL."""

    def behaviour(request, context):
        try:
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
    service = _Service(trainer)
    handlers = {}
    for operation, (request, reply) in {"Describe": (pb.DescribeRequest, pb.DescribeReply), "Load": (pb.LoadRequest, pb.LoadReply),
                                        "Fit": (pb.FitRequest, pb.FitReply), "Predict": (pb.PredictRequest, pb.PredictReply),
                                        "Release": (pb.ReleaseRequest, pb.ReleaseReply)}.items():
        handlers[operation] = grpc.unary_unary_rpc_method_handler(
            _guarded(operation, getattr(service, operation)),
            request_deserializer=request.FromString, response_serializer=_serialize)
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
