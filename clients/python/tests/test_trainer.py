"""The trainer SDK (meshfl_trainer): the service a node calls on a Unix socket, TorchTrainer's arithmetic and
TorchSplitTrainer's split steps against the same network trained in one torch graph.

Needs numpy, grpcio and torch (Debian: python3-numpy, python3-grpcio, python3-protobuf,
python3-torch); without them those tests are skipped, naming what is missing. The check of the
generated messages needs protoc (Debian: protobuf-compiler). web's PythonTrainerSdkTest runs this
module.
"""

import os
import pathlib
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import unittest

CLIENT_DIR = pathlib.Path(__file__).resolve().parents[1]
REPO = CLIENT_DIR.parents[1]
EXAMPLE = REPO / "examples" / "default-credit-homo"
SPLIT_EXAMPLES = {"breast-split": (REPO / "examples" / "breast-hetero" / "trainer", "breast_split", (16, 8)),
                  "credit-split": (REPO / "examples" / "default-credit-hetero" / "trainer", "credit_split", (32, 16))}
sys.path.insert(0, str(CLIENT_DIR))  # the package is used from the checkout, not installed

from meshfl_trainer import _generate  # noqa: E402

MISSING = []
for _name in ("numpy", "grpc", "google.protobuf", "torch"):
    try:
        __import__(_name)
    except ImportError:
        MISSING.append(_name)
NEEDS = "needs " + ", ".join(MISSING) + " (Debian: python3-numpy, python3-grpcio, python3-protobuf, python3-torch)"

if not MISSING:
    import grpc
    import numpy as np
    import torch
    from torch import nn

    from meshfl_trainer import (SERVICE, TOKEN_KEY, SplitTrainer, TorchSplitTrainer, TorchTrainer, Trainer, TrainerError,
                                meshfl_init, serve)
    from meshfl_trainer import trainer_pb2 as pb
    from meshfl_trainer.server import METHODS as CALLS


class GeneratedMessagesTest(unittest.TestCase):

    @unittest.skipIf(_generate.protoc() is None, "protoc is not on PATH (Debian: protobuf-compiler), so trainer_pb2.py cannot be regenerated")
    def test_the_committed_module_is_what_protoc_makes_of_the_proto(self):
        committed = _generate.TARGET.read_text(encoding="utf-8")
        self.assertEqual(_generate.generate(), committed,
                         "trainer_pb2.py differs from protoc's output for trainer.proto: "
                         "run python3 -m meshfl_trainer._generate in clients/python")


def f64(values):
    """Values as the protocol carries them: little-endian float64 bytes."""
    return np.asarray(values, dtype="<f8").tobytes()


def block(matrix, columns=None):
    """A rows x cols array as the node sends it: column-major."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim == 1:
        m = m.reshape(-1, 1)
    return pb.Block(columns=columns or [f"x{i}" for i in range(m.shape[1])], rows=m.shape[0], data=f64(m.T.ravel()))


def tensors(declared, arrays):
    return [pb.Tensor(name=t.name, shape=list(t.shape), data=f64(np.ravel(a))) for t, a in zip(declared, arrays)]


def arrays(reply_tensors):
    return [np.frombuffer(t.data, dtype="<f8").reshape(tuple(t.shape)) for t in reply_tensors]


def matrix(m):
    m = np.asarray(m, dtype=np.float64)
    return pb.Matrix(rows=m.shape[0], columns=m.shape[1], data=f64(m))


def unmatrix(reply):
    return np.frombuffer(reply.data, dtype="<f8").reshape(reply.rows, reply.columns)


def synthetic(rows=240, cols=4, seed=7):
    """A binary problem a small network can learn: y = 1 where a fixed linear score plus noise is > 0."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, cols))
    y = (x @ np.array([1.5, -2.0, 0.5, 1.0][:cols]) + 0.3 * rng.normal(size=rows) > 0).astype(np.float64)
    return x, y


def bce(p, y):
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def small_mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))


class Running:
    """serve(trainer) in a thread on a socket in a private temporary folder, and a channel to it."""

    def __init__(self, trainer):
        self.dir = tempfile.mkdtemp(prefix="mt-")
        os.chmod(self.dir, 0o700)
        self.socket = os.path.join(self.dir, "trainer.sock")
        self.token = secrets.token_hex(32)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=serve, args=(trainer, self.socket, self.token, self.stop), daemon=True)
        self.thread.start()
        self.channel = grpc.insecure_channel("unix:" + self.socket)
        grpc.channel_ready_future(self.channel).result(timeout=30)

    def call(self, method, request, token=True, timeout=120):
        req, rep = CALLS[method]
        stub = self.channel.unary_unary(f"/{SERVICE}/{method}", request_serializer=req.SerializeToString,
                                        response_deserializer=rep.FromString)
        metadata = [(TOKEN_KEY, self.token)] if token is True else [(TOKEN_KEY, token)] if token else None
        return stub(request, metadata=metadata, timeout=timeout)

    def close(self):
        self.channel.close()
        self.stop.set()
        self.thread.join(30)
        os.rmdir(self.dir)  # the server removed its socket


@unittest.skipIf(MISSING, NEEDS)
class ServiceTest(unittest.TestCase):

    def setUp(self):
        self.server = Running(TorchTrainer(small_mlp, name="small-mlp", version="3"))
        self.addCleanup(self.server.close)
        self.x, self.y = synthetic()

    def call(self, method, request, **kw):
        return self.server.call(method, request, **kw)

    def declared(self):
        return self.call("Describe", pb.DescribeRequest(trainer="small-mlp")).parameters

    def start_params(self, seed=1):
        rng = np.random.default_rng(seed)
        return [rng.normal(scale=0.3, size=tuple(t.shape)) for t in self.declared()]

    def load_train(self, job="job-1"):
        reply = self.call("Load", pb.LoadRequest(job_id=job, part="train", features=block(self.x), label=block(self.y, ["y"]),
                                                 task="binary", classes=2))
        self.assertEqual(len(self.y), reply.rows)

    def fit(self, params, job="job-1", seed=42, **kw):
        settings = dict(epochs=5, batch_size=32, learning_rate=0.1, optimizer="sgd", seed=seed, l2=0.001, proximal_mu=0.0)
        settings.update(kw)
        return self.call("Fit", pb.FitRequest(job_id=job, round=1, parameters=tensors(self.declared(), params), **settings))

    def predict(self, params, part="train", job="job-1"):
        reply = self.call("Predict", pb.PredictRequest(job_id=job, part=part, parameters=tensors(self.declared(), params)))
        return np.frombuffer(reply.scores, dtype="<f8").reshape(-1, reply.outputs), reply.outputs

    def test_describe_lists_the_modules_parameters_in_order(self):
        reply = self.call("Describe", pb.DescribeRequest(trainer="small-mlp"))
        self.assertEqual(("small-mlp", "3"), (reply.name, reply.version))
        self.assertEqual([("0.weight", [8, 4]), ("0.bias", [8]), ("2.weight", [1, 8]), ("2.bias", [1])],
                         [(t.name, list(t.shape)) for t in reply.parameters])
        self.assertTrue(all(len(t.data) == 0 for t in reply.parameters), "names and shapes only")

    def test_fit_lowers_the_loss_and_returns_the_declared_tensors(self):
        self.load_train()
        start = self.start_params()
        before = bce(self.predict(start)[0].ravel(), self.y)
        reply = self.fit(start, epochs=30)
        self.assertEqual([(t.name, list(t.shape)) for t in self.declared()], [(t.name, list(t.shape)) for t in reply.parameters])
        for t in reply.parameters:
            self.assertEqual(8 * int(np.prod(t.shape)), len(t.data), t.name)
        self.assertEqual(len(self.y), reply.examples)
        self.assertIn("loss", reply.metrics)
        after = bce(self.predict(arrays(reply.parameters))[0].ravel(), self.y)
        self.assertLess(after, 0.4 * before, f"the loss went from {before} to {after}")
        self.assertAlmostEqual(after, reply.metrics["loss"], delta=0.1, msg="the last epoch's mean loss is near the final one")

    def test_the_same_seed_gives_bit_identical_parameters(self):
        self.load_train()
        start = self.start_params()
        one = [t.data for t in self.fit(start, optimizer="adam", learning_rate=0.01, proximal_mu=0.1).parameters]
        two = [t.data for t in self.fit(start, optimizer="adam", learning_rate=0.01, proximal_mu=0.1).parameters]
        self.assertEqual(one, two)
        other = [t.data for t in self.fit(start, seed=43, optimizer="adam", learning_rate=0.01, proximal_mu=0.1).parameters]
        self.assertNotEqual(one, other, "another seed shuffles the batches otherwise")

    def test_predict_gives_a_probability_per_row_of_a_part_loaded_without_label(self):
        self.load_train()
        held_out, _ = synthetic(rows=37, seed=8)
        self.call("Load", pb.LoadRequest(job_id="job-1", part="eval:0", features=block(held_out), task="binary", classes=2))
        scores, outputs = self.predict(self.start_params(), part="eval:0")
        self.assertEqual(1, outputs)
        self.assertEqual((37, 1), scores.shape)
        self.assertTrue(np.all((scores > 0) & (scores < 1)))

    def test_a_wrong_or_missing_token_is_unauthenticated(self):
        for token in ("0" * 64, self.server.token[:-1], None):
            with self.assertRaises(grpc.RpcError) as e:
                self.call("Describe", pb.DescribeRequest(), token=token)
            self.assertEqual(grpc.StatusCode.UNAUTHENTICATED, e.exception.code(), token)
        with self.assertRaises(grpc.RpcError) as e:
            self.call("Load", pb.LoadRequest(job_id="j", part="train", features=block(self.x)), token="wrong")
        self.assertEqual(grpc.StatusCode.UNAUTHENTICATED, e.exception.code())

    def test_refusals_name_what_is_wrong(self):
        with self.assertRaises(grpc.RpcError) as e:
            self.fit(self.start_params(), job="never-loaded")
        self.assertEqual(grpc.StatusCode.FAILED_PRECONDITION, e.exception.code())
        self.assertIn("never-loaded", e.exception.details())
        self.load_train()
        wrong = tensors(self.declared(), self.start_params())
        wrong[0].shape[:] = [4, 8]
        with self.assertRaises(grpc.RpcError) as e:
            self.call("Fit", pb.FitRequest(job_id="job-1", parameters=wrong, epochs=1, batch_size=8, learning_rate=0.1, optimizer="sgd"))
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, e.exception.code())
        self.assertIn("0.weight", e.exception.details())
        self.call("Release", pb.ReleaseRequest(job_id="job-1"))
        with self.assertRaises(grpc.RpcError) as e:
            self.predict(self.start_params())
        self.assertEqual(grpc.StatusCode.FAILED_PRECONDITION, e.exception.code(), "released rows are gone")


@unittest.skipIf(MISSING, NEEDS)
class UserCodeFailureTest(unittest.TestCase):

    def test_an_exception_in_the_trainers_code_is_internal_naming_the_operation_not_the_data(self):
        class Broken(Trainer):
            def parameters(self):
                return [("w", (2,))]

            def fit(self, job, parameters, config):
                raise ZeroDivisionError(f"row 17 has income {self.part(job, 'train').features[0, 0]}")

            def predict(self, job, part, parameters):
                raise KeyError("secret-column")

        server = Running(Broken())
        self.addCleanup(server.close)
        server.call("Load", pb.LoadRequest(job_id="j", part="train", features=block([[31415.9, 1.0]]), task="binary"))
        w = [pb.Tensor(name="w", shape=[2], data=f64([0.0, 0.0]))]
        for method, request, error in (("Fit", pb.FitRequest(job_id="j", parameters=w), "ZeroDivisionError"),
                                       ("Predict", pb.PredictRequest(job_id="j", part="train", parameters=w), "KeyError")):
            with self.assertRaises(grpc.RpcError) as e:
                server.call(method, request)
            self.assertEqual(grpc.StatusCode.INTERNAL, e.exception.code())
            self.assertIn(method, e.exception.details())
            self.assertIn(error, e.exception.details())
            for secret in ("31415", "income", "secret-column"):
                self.assertNotIn(secret, e.exception.details())
        self.assertEqual("Broken", server.call("Describe", pb.DescribeRequest()).name, "the server still answers")


@unittest.skipIf(MISSING, NEEDS)
class TorchArithmeticTest(unittest.TestCase):
    """TorchTrainer's update against a logistic model's gradient step written out in numpy."""

    def setUp(self):
        rng = np.random.default_rng(3)
        self.rows, self.d = 50, 5
        self.x = rng.normal(size=(self.rows, self.d))
        self.y = (rng.random(self.rows) < 0.4).astype(np.float64)
        self.w0 = rng.normal(scale=0.5, size=(1, self.d))
        self.b0 = rng.normal(scale=0.5, size=(1,))
        self.trainer = TorchTrainer(lambda: nn.Linear(self.d, 1))
        self.trainer.load("j", "train", self.x, [f"x{i}" for i in range(self.d)], self.y, "binary", 2)

    def gradient(self, w, b, l2, mu):
        p = 1 / (1 + np.exp(-(self.x @ w.T + b)))  # rows x 1
        r = p - self.y.reshape(-1, 1)
        gw = r.T @ self.x / self.rows + l2 * w + mu * (w - self.w0)  # L2 on the weight only
        gb = r.mean(axis=0) + mu * (b - self.b0)
        return gw, gb

    def fit(self, **config):
        settings = dict(round=1, epochs=2, batch_size=self.rows, learning_rate=0.3, seed=5, l2=0.1, proximal_mu=0.5)
        settings.update(config)
        return self.trainer.fit("j", [self.w0, self.b0], settings)

    def test_sgd_epochs_over_the_whole_batch_are_gradient_steps(self):
        self.assertEqual([("weight", (1, self.d)), ("bias", (1,))], [tuple(p) for p in self.trainer.parameters()])
        (w, b), examples, metrics = self.fit(optimizer="sgd")
        ew, eb = self.w0.copy(), self.b0.copy()
        for _ in range(2):
            gw, gb = self.gradient(ew, eb, 0.1, 0.5)
            ew, eb = ew - 0.3 * gw, eb - 0.3 * gb
        self.assertEqual(self.rows, examples)
        self.assertLess(np.max(np.abs(w - ew)), 1e-12, (w, ew))
        self.assertLess(np.max(np.abs(b - eb)), 1e-12, (b, eb))
        # the reported loss is the last epoch's mean data loss, before its step
        gw, gb = self.gradient(self.w0, self.b0, 0.1, 0.5)
        w1, b1 = self.w0 - 0.3 * gw, self.b0 - 0.3 * gb
        self.assertAlmostEqual(bce((1 / (1 + np.exp(-(self.x @ w1.T + b1)))).ravel(), self.y), metrics["loss"], places=12)

    def test_adam_epochs_over_the_whole_batch_follow_its_bias_corrected_moments(self):
        (w, b), _, _ = self.fit(optimizer="adam", learning_rate=0.05, epochs=3)
        ew, eb = self.w0.copy(), self.b0.copy()
        m = [np.zeros_like(ew), np.zeros_like(eb)]
        v = [np.zeros_like(ew), np.zeros_like(eb)]
        for t in range(1, 4):
            grads = self.gradient(ew, eb, 0.1, 0.5)
            params = [ew, eb]
            for i, g in enumerate(grads):
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                params[i] = params[i] - 0.05 * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
            ew, eb = params
        self.assertLess(np.max(np.abs(w - ew)), 1e-12, (w, ew))
        self.assertLess(np.max(np.abs(b - eb)), 1e-12, (b, eb))

    def test_predict_is_the_sigmoid_of_the_logit(self):
        scores = self.trainer.predict("j", "train", [self.w0, self.b0])
        self.assertEqual((self.rows, 1), scores.shape)
        np.testing.assert_allclose(1 / (1 + np.exp(-(self.x @ self.w0.T + self.b0))), scores, rtol=0, atol=1e-15)


@unittest.skipIf(MISSING, NEEDS)
class ByteTensorTest(unittest.TestCase):
    """Values travel as little-endian float64 bytes: exactly, both ways, and only in the expected lengths."""

    SPECIAL = [0.1, -0.0, 5e-324, 1.7976931348623157e308, -1e-300, np.pi, 2.0 ** -1074 * 3, -7.25]

    def setUp(self):
        class Echo(Trainer):
            name = "echo"

            def parameters(self):
                return [("w", (2, 4))]

            def fit(self, job, parameters, config):
                return parameters, 1, {}

            def predict(self, job, part, parameters):
                return self.part(job, part).features

        self.trainer = Echo()
        self.server = Running(self.trainer)
        self.addCleanup(self.server.close)

    def test_blocks_tensors_and_scores_round_trip_bit_for_bit(self):
        m = np.array(self.SPECIAL, dtype=np.float64).reshape(4, 2)
        self.assertEqual(4, self.server.call("Load", pb.LoadRequest(job_id="j", part="train", features=block(m))).rows)
        loaded = self.trainer.part("j", "train").features
        self.assertEqual((4, 2), loaded.shape, "the column-major block arrives as rows x columns")
        self.assertEqual(m.tobytes(), np.ascontiguousarray(loaded).tobytes())
        self.assertTrue(loaded.flags.writeable, "the trainer gets arrays it may change")
        sent = tensors([pb.Tensor(name="w", shape=[2, 4])], [np.array(self.SPECIAL).reshape(2, 4)])
        reply = self.server.call("Fit", pb.FitRequest(job_id="j", parameters=sent))
        self.assertEqual(sent[0].data, reply.parameters[0].data)
        self.assertEqual(f64(self.SPECIAL), reply.parameters[0].data, "row-major little-endian float64")
        scores = self.server.call("Predict", pb.PredictRequest(job_id="j", part="train", parameters=sent))
        self.assertEqual(2, scores.outputs)
        self.assertEqual(f64(m), scores.scores, "scores are rows x outputs, row-major")

    def test_a_byte_length_other_than_eight_a_value_is_refused_without_the_values(self):
        m = np.full((3, 2), 31415.9)
        short = block(m)
        short.data = short.data[:-1]
        with self.assertRaises(grpc.RpcError) as e:
            self.server.call("Load", pb.LoadRequest(job_id="j", part="train", features=short))
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, e.exception.code())
        self.assertIn("47 bytes where 6 values take 48", e.exception.details())
        self.assertNotIn("31415", e.exception.details())
        long = tensors([pb.Tensor(name="w", shape=[2, 4])], [np.full((2, 4), 31415.9)])
        long[0].data += f64([31415.9])
        with self.assertRaises(grpc.RpcError) as e:
            self.server.call("Fit", pb.FitRequest(job_id="j", parameters=long))
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, e.exception.code())
        self.assertIn("'w'", e.exception.details())
        self.assertNotIn("31415", e.exception.details())

    def test_parameters_beside_the_call_round_trip_bit_for_bit_through_the_nodes_files(self):
        self.assertTrue(self.server.call("Describe", pb.DescribeRequest(trainer="echo")).bulk, "the SDK declares bulk")
        self.server.call("Load", pb.LoadRequest(job_id="j", part="train", features=block(np.ones((2, 8)))))
        values = np.array(self.SPECIAL, dtype=np.float64)
        files = pb.Bulk(input="parameters.in", output="parameters.out")
        with open(os.path.join(self.server.dir, files.input), "wb") as f:
            f.write(f64(self.SPECIAL))
        out = os.path.join(self.server.dir, files.output)
        open(out, "wb").close()
        inode = os.stat(out).st_ino
        reply = self.server.call("Fit", pb.FitRequest(job_id="j", parameters=[pb.Tensor(name="w", shape=[2, 4])], bulk=files))
        self.assertTrue(reply.bulk)
        self.assertEqual([("w", [2, 4], b"")], [(t.name, list(t.shape), t.data) for t in reply.parameters], "names and shapes only")
        with open(out, "rb") as f:
            self.assertEqual(values.astype("<f8").tobytes(), f.read(), "the answer in the node's output file")
        self.assertEqual(inode, os.stat(out).st_ino, "written in place, not replaced: the node reads through its own handle")
        scores = self.server.call("Predict", pb.PredictRequest(job_id="j", part="train", parameters=[pb.Tensor(name="w", shape=[2, 4])],
                                                               bulk=files))
        self.assertEqual(f64(np.ones((2, 8))), scores.scores)
        for name in (files.input, files.output):  # as the node does when the trainer stops
            os.unlink(os.path.join(self.server.dir, name))

    def test_files_beside_the_call_outside_the_folder_or_of_the_wrong_length_are_refused(self):
        for name in ("../parameters.in", "/etc/passwd", "..", ""):
            with self.assertRaises(grpc.RpcError) as e:
                self.server.call("Fit", pb.FitRequest(job_id="j", parameters=[pb.Tensor(name="w", shape=[2, 4])],
                                                      bulk=pb.Bulk(input=name, output="parameters.out")))
            self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, e.exception.code(), name)
            self.assertIn("not a plain name in the trainer's folder", e.exception.details())
        with open(os.path.join(self.server.dir, "parameters.in"), "wb") as f:
            f.write(f64([31415.9] * 9))
        with self.assertRaises(grpc.RpcError) as e:
            self.server.call("Fit", pb.FitRequest(job_id="j", parameters=[pb.Tensor(name="w", shape=[2, 4])],
                                                  bulk=pb.Bulk(input="parameters.in", output="parameters.out")))
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, e.exception.code())
        self.assertIn("8 bytes beyond the declared tensors", e.exception.details())
        self.assertNotIn("31415", e.exception.details())
        os.unlink(os.path.join(self.server.dir, "parameters.in"))


CUT = 3


def tiny_bottom(inputs, outputs):
    return meshfl_init(nn.Sequential(nn.Linear(inputs, 5), nn.ReLU(), nn.Linear(5, outputs), nn.ReLU()))


def tiny_top(inputs, outputs):
    return meshfl_init(nn.Sequential(nn.Linear(inputs, 4), nn.ReLU(), nn.Linear(4, outputs)))


def split_data(rows=40, seed=11):
    """Party A's three columns and the label, party B's two columns, for the same rows."""
    rng = np.random.default_rng(seed)
    xa, xb = rng.normal(size=(rows, 3)), rng.normal(size=(rows, 2))
    y = (xa[:, 0] - xb[:, 1] + 0.3 * rng.normal(size=rows) > 0).astype(np.float64)
    return xa, xb, y


def with_values(module, values):
    """A float64 module with its parameters set to ``values`` (in named_parameters order)."""
    module = module.double()
    with torch.no_grad():
        for p, v in zip(module.parameters(), values):
            p.copy_(torch.from_numpy(np.array(v)))
    return module


@unittest.skipIf(MISSING, NEEDS)
class SplitServiceTest(unittest.TestCase):
    """Two parties' trainers on real sockets: A holds three columns and the label (bottom and top), B two columns."""

    def setUp(self):
        self.a = Running(TorchSplitTrainer(tiny_bottom, tiny_top, name="tiny-split"))
        self.addCleanup(self.a.close)
        self.b = Running(TorchSplitTrainer(tiny_bottom, tiny_top, name="tiny-split"))
        self.addCleanup(self.b.close)
        self.xa, self.xb, self.y = split_data()
        self.assertEqual(40, self.a.call("Load", pb.LoadRequest(job_id="j", part="train", features=block(self.xa),
                                                                label=block(self.y, ["y"]), task="binary", classes=2)).rows)
        self.assertEqual(40, self.b.call("Load", pb.LoadRequest(job_id="j", part="train", features=block(self.xb),
                                                                task="binary", classes=2)).rows)

    def setup(self, optimizer="sgd", learning_rate=0.1):
        declared = {}
        for server, party, inputs, seed in ((self.a, "a", 3, 42), (self.b, "b", 2, 43)):
            reply = server.call("SplitSetup", pb.SplitSetupRequest(job_id="j", role="bottom", inputs=inputs, outputs=CUT, task="binary",
                                                                   classes=2, optimizer=optimizer, learning_rate=learning_rate, seed=seed))
            declared[party] = reply.parameters
        reply = self.a.call("SplitSetup", pb.SplitSetupRequest(job_id="j", role="top", inputs=2 * CUT, outputs=1, task="binary",
                                                               classes=2, optimizer=optimizer, learning_rate=learning_rate, seed=42))
        declared["top"] = reply.parameters
        return declared

    def state(self, server, role):
        return server.call("GetState", pb.StateRequest(job_id="j", role=role))

    def states(self):
        return {"a": self.state(self.a, "bottom"), "b": self.state(self.b, "bottom"), "top": self.state(self.a, "top")}

    def forward(self, server, rows, training=True):
        return unmatrix(server.call("Forward", pb.ForwardRequest(job_id="j", rows=rows, training=training)))

    def step(self, rows):
        """One batch as a node runs it: both bottoms forward, A's top steps, both bottoms backward."""
        h = np.hstack([self.forward(self.a, rows), self.forward(self.b, rows)])
        reply = self.a.call("TopStep", pb.TopStepRequest(job_id="j", rows=rows, input=matrix(h)))
        dx = unmatrix(reply.input_gradient)
        self.assertEqual(h.shape, dx.shape)
        self.a.call("Backward", pb.BackwardRequest(job_id="j", gradient=matrix(dx[:, :CUT])))
        self.b.call("Backward", pb.BackwardRequest(job_id="j", gradient=matrix(dx[:, CUT:])))
        return reply.loss, dx

    def predict(self, rows):
        h = np.hstack([self.forward(self.a, rows, False), self.forward(self.b, rows, False)])
        return unmatrix(self.a.call("TopPredict", pb.TopPredictRequest(job_id="j", input=matrix(h))))

    def test_setup_declares_each_roles_parameters_reproducibly_from_the_seed(self):
        declared = self.setup()
        self.assertEqual([("0.weight", [5, 3]), ("0.bias", [5]), ("2.weight", [CUT, 5]), ("2.bias", [CUT])],
                         [(t.name, list(t.shape)) for t in declared["a"]])
        self.assertEqual([("0.weight", [4, 2 * CUT]), ("0.bias", [4]), ("2.weight", [1, 4]), ("2.bias", [1])],
                         [(t.name, list(t.shape)) for t in declared["top"]])
        self.assertTrue(all(len(t.data) == 0 for d in declared.values() for t in d), "names and shapes only")
        first = {k: [t.data for t in s.parameters] for k, s in self.states().items()}
        self.setup()
        self.assertEqual(first, {k: [t.data for t in s.parameters] for k, s in self.states().items()}, "the same seed, the same start")
        self.a.call("SplitSetup", pb.SplitSetupRequest(job_id="j", role="bottom", inputs=3, outputs=CUT, task="binary", classes=2,
                                                       optimizer="sgd", learning_rate=0.1, seed=44))
        self.assertNotEqual(first["a"], [t.data for t in self.state(self.a, "bottom").parameters], "another seed, another start")
        biases = [arrays([t])[0] for s in self.states().values() for t in s.parameters if t.name.endswith("bias")]
        self.assertTrue(all(np.all(b == 0) for b in biases), "biases start at zero")

    def central(self, optimizer, learning_rate):
        """The same three networks from the trainers' current values, composed in one torch graph."""
        s = self.states()
        nets = {"a": with_values(tiny_bottom(3, CUT), arrays(s["a"].parameters)),
                "b": with_values(tiny_bottom(2, CUT), arrays(s["b"].parameters)),
                "top": with_values(tiny_top(2 * CUT, 1), arrays(s["top"].parameters))}
        params = [p for n in nets.values() for p in n.parameters()]
        opt = (torch.optim.Adam(params, lr=learning_rate, betas=(0.9, 0.999), eps=1e-8) if optimizer == "adam"
               else torch.optim.SGD(params, lr=learning_rate))
        return nets, opt

    def central_step(self, nets, opt, rows):
        ha = nets["a"](torch.from_numpy(self.xa[rows]))
        hb = nets["b"](torch.from_numpy(self.xb[rows]))
        h = torch.cat([ha, hb], dim=1)
        h.retain_grad()
        loss = nn.BCEWithLogitsLoss()(nets["top"](h), torch.from_numpy(self.y[rows]).reshape(-1, 1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss), h.grad.numpy()

    def test_split_steps_apply_the_gradients_of_the_composed_network(self):
        batches = [list(range(0, 16)), [3, 17, 39, 22, 5, 30, 8], list(range(16, 40))]
        for optimizer, lr in (("sgd", 0.1), ("adam", 0.01)):
            with self.subTest(optimizer=optimizer):
                self.setup(optimizer, lr)
                nets, opt = self.central(optimizer, lr)
                for rows in batches:
                    loss, dx = self.step(rows)
                    expected_loss, expected_dx = self.central_step(nets, opt, rows)
                    self.assertAlmostEqual(expected_loss, loss, delta=1e-12)
                    np.testing.assert_allclose(dx, expected_dx, rtol=0, atol=1e-14)
                for key, state in self.states().items():
                    for got, module_param in zip(arrays(state.parameters), nets[key].parameters()):
                        np.testing.assert_allclose(got, module_param.detach().numpy(), rtol=0, atol=1e-13, err_msg=key)
                moved = [a for s in self.states().values() for a in arrays(s.parameters)]
                self.assertTrue(any(np.any(a != 0) for a in moved[1::2]), "the steps moved the biases off zero")
                rows = list(range(40))
                with torch.no_grad():
                    central = nets["top"](torch.cat([nets["a"](torch.from_numpy(self.xa)), nets["b"](torch.from_numpy(self.xb))], 1))
                logits = self.predict(rows)
                self.assertEqual((40, 1), logits.shape)
                np.testing.assert_allclose(logits, central.numpy(), rtol=0, atol=1e-13)

    def test_set_state_puts_back_parameters_and_optimizer_state(self):
        self.setup("adam", 0.05)
        self.step(list(range(0, 20)))  # the optimizer has moments now
        saved = self.states()
        self.assertTrue(all(len(s.optimizer) > 0 for s in saved.values()))
        rows = list(range(40))
        before = self.predict(rows)
        cut_before = self.forward(self.a, rows, False)
        for rows_batch in (list(range(20, 40)), list(range(0, 40, 3))):
            self.step(rows_batch)
        after = {k: [t.data for t in s.parameters] for k, s in self.states().items()}
        self.assertFalse(np.array_equal(before, self.predict(rows)), "training moved the network")
        for server, key, role in ((self.a, "a", "bottom"), (self.b, "b", "bottom"), (self.a, "top", "top")):
            server.call("SetState", saved[key])
        self.assertEqual(cut_before.tobytes(), self.forward(self.a, rows, False).tobytes())
        self.assertEqual(before.tobytes(), self.predict(rows).tobytes())
        for rows_batch in (list(range(20, 40)), list(range(0, 40, 3))):
            self.step(rows_batch)
        self.assertEqual(after, {k: [t.data for t in s.parameters] for k, s in self.states().items()},
                         "the same steps from the restored state give the same parameters: Adam's moments came back too")

    def test_refusals(self):
        def refused(server, method, request, code, *says, token=True):
            with self.assertRaises(grpc.RpcError) as e:
                server.call(method, request, token=token)
            self.assertEqual(code, e.exception.code(), (method, e.exception.details()))
            for text in says:
                self.assertIn(text, e.exception.details())
            return e.exception.details()

        forward = pb.ForwardRequest(job_id="j", rows=[0, 1], training=True)
        refused(self.a, "Forward", forward, grpc.StatusCode.FAILED_PRECONDITION, "SplitSetup")
        self.setup()
        for token in ("0" * 64, None):
            refused(self.a, "Forward", forward, grpc.StatusCode.UNAUTHENTICATED, token=token)
            refused(self.a, "SplitSetup", pb.SplitSetupRequest(job_id="j", role="bottom", inputs=3, outputs=CUT),
                    grpc.StatusCode.UNAUTHENTICATED, token=token)
        gradient = matrix(np.full((2, CUT), 31415.9))
        refused(self.a, "Backward", pb.BackwardRequest(job_id="j", gradient=gradient), grpc.StatusCode.FAILED_PRECONDITION,
                "Backward without a training Forward")
        self.forward(self.a, [0, 1], training=False)
        refused(self.a, "Backward", pb.BackwardRequest(job_id="j", gradient=gradient), grpc.StatusCode.FAILED_PRECONDITION,
                "Backward without a training Forward")
        self.forward(self.a, [0, 1])
        short = pb.Matrix(rows=2, columns=CUT, data=gradient.data[:-8])
        details = refused(self.a, "Backward", pb.BackwardRequest(job_id="j", gradient=short), grpc.StatusCode.INVALID_ARGUMENT,
                          "40 bytes where 6 values take 48")
        self.assertNotIn("31415", details)
        refused(self.a, "Backward", pb.BackwardRequest(job_id="j", gradient=matrix(np.ones((2, CUT + 1)))),
                grpc.StatusCode.INVALID_ARGUMENT, "2 x 4, expected 2 x 3")
        refused(self.a, "Backward", pb.BackwardRequest(job_id="j", gradient=matrix(np.full((2, CUT), np.nan))),
                grpc.StatusCode.INVALID_ARGUMENT, "non-finite")
        self.a.call("Backward", pb.BackwardRequest(job_id="j", gradient=gradient))  # the refusals left the forward pending
        refused(self.a, "Backward", pb.BackwardRequest(job_id="j", gradient=gradient), grpc.StatusCode.FAILED_PRECONDITION,
                "Backward without a training Forward")
        refused(self.a, "Forward", pb.ForwardRequest(job_id="j", rows=[0, 40], training=False), grpc.StatusCode.INVALID_ARGUMENT,
                "outside the 40 loaded rows")
        refused(self.b, "TopStep", pb.TopStepRequest(job_id="j", rows=[0], input=matrix(np.zeros((1, 2 * CUT)))),
                grpc.StatusCode.FAILED_PRECONDITION, "no top network")
        refused(self.a, "TopStep", pb.TopStepRequest(job_id="j", rows=[0, 1], input=matrix(np.zeros((2, CUT)))),
                grpc.StatusCode.INVALID_ARGUMENT, "2 x 3, expected 2 x 6")
        state = self.state(self.a, "bottom")
        broken = pb.State()
        broken.CopyFrom(state)
        broken.parameters[2].data = broken.parameters[2].data[:-8]
        refused(self.a, "SetState", broken, grpc.StatusCode.INVALID_ARGUMENT, "'2.weight'", "bytes where")
        broken.CopyFrom(state)
        broken.optimizer = b"not torch's"
        refused(self.a, "SetState", broken, grpc.StatusCode.INVALID_ARGUMENT, "optimizer state")
        refused(self.a, "GetState", pb.StateRequest(job_id="j", role="middle"), grpc.StatusCode.INVALID_ARGUMENT, "middle")
        refused(self.a, "SplitSetup", pb.SplitSetupRequest(job_id="j", role="bottom", inputs=4, outputs=CUT, optimizer="sgd",
                                                           learning_rate=0.1), grpc.StatusCode.INVALID_ARGUMENT, "3 columns")
        self.a.call("Release", pb.ReleaseRequest(job_id="j"))
        refused(self.a, "Forward", forward, grpc.StatusCode.FAILED_PRECONDITION, "SplitSetup")

    def test_a_trainer_answers_unimplemented_for_what_it_is_not(self):
        horizontal = Running(TorchTrainer(small_mlp, name="small-mlp"))
        self.addCleanup(horizontal.close)
        with self.assertRaises(grpc.RpcError) as e:
            horizontal.call("SplitSetup", pb.SplitSetupRequest(job_id="j", role="bottom", inputs=4, outputs=2))
        self.assertEqual(grpc.StatusCode.UNIMPLEMENTED, e.exception.code())
        self.assertIn("not a meshfl_trainer.SplitTrainer", e.exception.details())
        with self.assertRaises(grpc.RpcError) as e:
            self.a.call("Fit", pb.FitRequest(job_id="j"))
        self.assertEqual(grpc.StatusCode.UNIMPLEMENTED, e.exception.code())
        self.assertIn("not a meshfl_trainer.Trainer", e.exception.details())
        reply = self.a.call("Describe", pb.DescribeRequest(trainer="tiny-split"))
        self.assertEqual(("tiny-split", "1", 0), (reply.name, reply.version, len(reply.parameters)))

        class Stateless(SplitTrainer):
            def split_setup(self, job, role, inputs, outputs, task, classes, optimizer, learning_rate, seed):
                return [("w", (inputs, outputs))]

        partial = Running(Stateless())
        self.addCleanup(partial.close)
        partial.call("SplitSetup", pb.SplitSetupRequest(job_id="j", role="bottom", inputs=2, outputs=1))
        with self.assertRaises(grpc.RpcError) as e:
            partial.call("GetState", pb.StateRequest(job_id="j", role="bottom"))
        self.assertEqual(grpc.StatusCode.UNIMPLEMENTED, e.exception.code())
        self.assertIn("SplitTrainer.get_state", e.exception.details())


@unittest.skipIf(MISSING, NEEDS)
class SplitArithmeticTest(unittest.TestCase):
    """The top's loss and input gradient for each task, against MeshFL's Head written out in numpy."""

    def test_each_tasks_batch_mean_loss_and_gradient(self):
        rng = np.random.default_rng(5)
        rows, inputs = 12, 4
        x = rng.normal(size=(rows, inputs))
        labels = {"binary": (rng.random(rows) < 0.5).astype(np.float64), "multiclass": rng.integers(0, 3, rows).astype(np.float64),
                  "regression": rng.normal(size=rows), "count": rng.poisson(2.0, rows).astype(np.float64)}
        for task, y in labels.items():
            with self.subTest(task=task):
                k = 3 if task == "multiclass" else 1
                trainer = TorchSplitTrainer(tiny_bottom, lambda i, o: meshfl_init(nn.Linear(i, o)))
                trainer.load("j", "train", np.zeros((rows, 1)), ["x"], y, task, k)
                trainer.split_setup("j", "top", inputs, k, task, k, "sgd", 0.1, 9)
                (w, b), _ = trainer.get_state("j", "top")
                z = x @ w.T + b
                np.testing.assert_allclose(trainer.top_forward("j", x), z, rtol=0, atol=1e-14)
                if task == "binary":
                    p = 1 / (1 + np.exp(-z[:, 0]))
                    loss = np.mean(np.logaddexp(0, z[:, 0]) - y * z[:, 0])
                    g = ((p - y) / rows).reshape(-1, 1)
                elif task == "multiclass":
                    s = np.exp(z - z.max(axis=1, keepdims=True))
                    s /= s.sum(axis=1, keepdims=True)
                    onehot = np.eye(k)[y.astype(int)]
                    loss = np.mean(np.log(np.exp(z).sum(axis=1)) - (z * onehot).sum(axis=1))
                    g = (s - onehot) / rows
                elif task == "regression":
                    loss = np.mean((z[:, 0] - y) ** 2)
                    g = (2 * (z[:, 0] - y) / rows).reshape(-1, 1)
                else:
                    loss = np.mean(np.exp(z[:, 0]) - y * z[:, 0])
                    g = ((np.exp(z[:, 0]) - y) / rows).reshape(-1, 1)
                got, dx = trainer.top_backward("j", np.arange(rows), x)
                self.assertAlmostEqual(loss, got, delta=1e-13)
                np.testing.assert_allclose(dx, g @ w, rtol=0, atol=1e-14)
                (w1, b1), _ = trainer.get_state("j", "top")
                np.testing.assert_allclose(w1, w - 0.1 * g.T @ x, rtol=0, atol=1e-14)
                np.testing.assert_allclose(b1, b - 0.1 * g.sum(axis=0), rtol=0, atol=1e-14)

    def test_the_top_refuses_a_party_without_the_label(self):
        trainer = TorchSplitTrainer(tiny_bottom, tiny_top)
        trainer.load("j", "train", np.zeros((3, 2)), ["x0", "x1"], None, "binary", 2)
        trainer.split_setup("j", "top", 2, 1, "binary", 2, "adam", 0.01, 1)
        with self.assertRaises(TrainerError) as e:
            trainer.top_backward("j", np.arange(3), np.zeros((3, 2)))
        self.assertIn("without a label", str(e.exception))

    def test_meshfl_init_draws_he_before_a_relu_and_glorot_elsewhere(self):
        torch.manual_seed(3)
        net = meshfl_init(nn.Sequential(nn.Linear(400, 300), nn.Dropout(0.1), nn.ReLU(), nn.Linear(300, 200), nn.Tanh(),
                                        nn.Linear(200, 100)))
        for layer, std in ((net[0], np.sqrt(2 / 400)), (net[3], np.sqrt(2 / 500)), (net[5], np.sqrt(2 / 300))):
            w = layer.weight.detach().numpy()
            self.assertAlmostEqual(1.0, w.std() / std, delta=0.02, msg=layer)
            self.assertAlmostEqual(0.0, w.mean(), delta=0.02 * std)
            self.assertTrue(np.all(layer.bias.detach().numpy() == 0))


def import_example(folder, module):
    sys.path.insert(0, str(folder))
    try:
        import importlib
        return importlib.import_module(module)
    finally:
        sys.path.remove(str(folder))


@unittest.skipIf(MISSING, NEEDS)
class SplitExamplesTest(unittest.TestCase):
    """breast_split and credit_split mirror their examples' splitnn jobs: widths, names, MeshFL's init."""

    def test_each_example_builds_the_jobs_bottom_and_top(self):
        for name, (folder, module, (bottom_hidden, top_hidden)) in SPLIT_EXAMPLES.items():
            with self.subTest(name=name):
                job = (folder.parent / "job-splitnn.yaml").read_text(encoding="utf-8")
                self.assertIn(f"bottomHidden: [{bottom_hidden}]", job)
                self.assertIn(f"topHidden: [{top_hidden}]", job)
                cut = int(re.search(r"cutWidth: (\d+)", job).group(1))
                trainer = import_example(folder, module).make()
                self.assertIsInstance(trainer, TorchSplitTrainer)
                self.assertEqual(name, trainer.name)
                trainer.load("j", "train", np.zeros((2, 10)), [f"x{i}" for i in range(10)], None, "binary", 2)
                bottom = trainer.split_setup("j", "bottom", 10, cut, "binary", 2, "adam", 0.005, 42)
                self.assertEqual([("0.weight", (bottom_hidden, 10)), ("0.bias", (bottom_hidden,)), ("2.weight", (cut, bottom_hidden)),
                                  ("2.bias", (cut,))], [tuple(d) for d in bottom])
                top = trainer.split_setup("j", "top", 2 * cut, 1, "binary", 2, "adam", 0.005, 42)
                self.assertEqual([("0.weight", (top_hidden, 2 * cut)), ("0.bias", (top_hidden,)), ("2.weight", (1, top_hidden)),
                                  ("2.bias", (1,))], [tuple(d) for d in top])
                (w0, b0, w1, b1), _ = trainer.get_state("j", "bottom")
                self.assertTrue(np.all(b0 == 0) and np.all(b1 == 0))
                out = trainer.bottom_forward("j", np.arange(2), False)
                self.assertEqual((2, cut), out.shape)
                self.assertTrue(np.all(out >= 0), "the cut layer goes through a ReLU")


def _alive(pid):
    """False once the process is gone or a zombie nobody reaped yet."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@unittest.skipIf(MISSING, NEEDS)
@unittest.skipUnless(os.path.isdir("/proc"), "needs /proc to watch the trainer process")
class EntryPointTest(unittest.TestCase):

    def test_the_credit_example_serves_the_jobs_declared_parameters_and_ends_with_its_parent(self):
        job = (EXAMPLE / "job-external.yaml").read_text(encoding="utf-8")
        declared = [(n, [int(d) for d in s.split(",")]) for n, s in re.findall(r"\{name: ([\w.]+), shape: \[([\d, ]+)\]\}", job)]
        self.assertEqual(4, len(declared), job)
        folder = tempfile.mkdtemp(prefix="mt-")
        os.chmod(folder, 0o700)
        socket_path = os.path.join(folder, "trainer.sock")
        token = secrets.token_hex(32)
        env = dict(os.environ, MESHFL_TRAINER_SOCKET=socket_path, MESHFL_TRAINER_TOKEN=token,
                   PYTHONPATH=str(CLIENT_DIR), PYTHONDONTWRITEBYTECODE="1")
        # a stand-in for the node: starts the trainer as a node does, says its pid, ends when told
        parent = subprocess.Popen(
            [sys.executable, "-c",
             "import subprocess, sys\n"
             f"t = subprocess.Popen([sys.executable, '-m', 'meshfl_trainer', '--path', {str(EXAMPLE / 'trainer')!r}, 'credit_mlp:make'],"
             " stdin=subprocess.DEVNULL)\n"
             "print(t.pid, flush=True)\n"
             "sys.stdin.readline()\n"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        pid = int(parent.stdout.readline())

        def cleanup():
            if _alive(pid):
                os.kill(pid, 9)
            if parent.poll() is None:
                parent.kill()
            parent.wait()
            parent.stdout.close()
        self.addCleanup(cleanup)

        channel = grpc.insecure_channel("unix:" + socket_path)
        self.addCleanup(channel.close)
        grpc.channel_ready_future(channel).result(timeout=60)
        describe = channel.unary_unary(f"/{SERVICE}/Describe", request_serializer=pb.DescribeRequest.SerializeToString,
                                       response_deserializer=pb.DescribeReply.FromString)
        reply = describe(pb.DescribeRequest(trainer="credit-mlp"), metadata=[(TOKEN_KEY, token)], timeout=30)
        self.assertEqual("credit-mlp", reply.name)
        self.assertEqual(declared, [(t.name, list(t.shape)) for t in reply.parameters], "job-external.yaml declares the module's parameters")

        parent.stdin.close()  # the node ends
        parent.wait(30)
        deadline = time.monotonic() + 20
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(_alive(pid), "the trainer outlived the process that started it")
        self.assertFalse(os.path.exists(socket_path), "the trainer removed its socket")
        os.rmdir(folder)

    def test_the_breast_split_example_serves_both_roles_through_the_command(self):
        folder = tempfile.mkdtemp(prefix="mt-")
        os.chmod(folder, 0o700)
        socket_path = os.path.join(folder, "trainer.sock")
        token = secrets.token_hex(32)
        env = dict(os.environ, MESHFL_TRAINER_SOCKET=socket_path, MESHFL_TRAINER_TOKEN=token,
                   PYTHONPATH=str(CLIENT_DIR), PYTHONDONTWRITEBYTECODE="1")
        example, module, _ = SPLIT_EXAMPLES["breast-split"]
        trainer = subprocess.Popen([sys.executable, "-m", "meshfl_trainer", "--path", str(example), f"{module}:make"],
                                   env=env, stdin=subprocess.DEVNULL)

        def cleanup():
            if trainer.poll() is None:
                trainer.kill()
            trainer.wait()
        self.addCleanup(cleanup)
        channel = grpc.insecure_channel("unix:" + socket_path)
        self.addCleanup(channel.close)
        grpc.channel_ready_future(channel).result(timeout=60)

        def call(method, request):
            req, rep = CALLS[method]
            stub = channel.unary_unary(f"/{SERVICE}/{method}", request_serializer=req.SerializeToString,
                                       response_deserializer=rep.FromString)
            return stub(request, metadata=[(TOKEN_KEY, token)], timeout=30)

        self.assertEqual("breast-split", call("Describe", pb.DescribeRequest(trainer="breast-split")).name)
        x = np.random.default_rng(1).normal(size=(6, 10))
        call("Load", pb.LoadRequest(job_id="j", part="train", features=block(x), label=block(np.ones(6), ["y"]), task="binary", classes=2))
        for role, inputs, outputs, width in (("bottom", 10, 4, [4, 16]), ("top", 8, 1, [1, 8])):
            reply = call("SplitSetup", pb.SplitSetupRequest(job_id="j", role=role, inputs=inputs, outputs=outputs, task="binary", classes=2,
                                                            optimizer="adam", learning_rate=0.005, seed=42))
            self.assertEqual(width, list(reply.parameters[2].shape), role)
        cut = unmatrix(call("Forward", pb.ForwardRequest(job_id="j", rows=[0, 2, 4], training=False)))
        self.assertEqual((3, 4), cut.shape)
        trainer.terminate()  # SIGTERM, as the node stops it
        self.assertEqual(0, trainer.wait(30))
        self.assertFalse(os.path.exists(socket_path), "the trainer removed its socket")
        os.rmdir(folder)


if __name__ == "__main__":
    unittest.main()
