"""The trainer SDK (meshfl_trainer): the service a node calls on a Unix socket, and TorchTrainer's arithmetic.

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
    from torch import nn

    from meshfl_trainer import SERVICE, TOKEN_KEY, TorchTrainer, Trainer, serve
    from meshfl_trainer import trainer_pb2 as pb

    CALLS = {"Describe": (pb.DescribeRequest, pb.DescribeReply), "Load": (pb.LoadRequest, pb.LoadReply),
             "Fit": (pb.FitRequest, pb.FitReply), "Predict": (pb.PredictRequest, pb.PredictReply),
             "Release": (pb.ReleaseRequest, pb.ReleaseReply)}


class GeneratedMessagesTest(unittest.TestCase):

    @unittest.skipIf(_generate.protoc() is None, "protoc is not on PATH (Debian: protobuf-compiler), so trainer_pb2.py cannot be regenerated")
    def test_the_committed_module_is_what_protoc_makes_of_the_proto(self):
        committed = _generate.TARGET.read_text(encoding="utf-8")
        self.assertEqual(_generate.generate(), committed,
                         "trainer_pb2.py differs from protoc's output for trainer.proto: "
                         "run python3 -m meshfl_trainer._generate in clients/python")


def block(matrix, columns=None):
    """A rows x cols array as the node sends it: column-major."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim == 1:
        m = m.reshape(-1, 1)
    return pb.Block(columns=columns or [f"x{i}" for i in range(m.shape[1])], rows=m.shape[0], values=m.T.ravel().tolist())


def tensors(declared, arrays):
    return [pb.Tensor(name=t.name, shape=list(t.shape), values=np.asarray(a, dtype=np.float64).ravel().tolist())
            for t, a in zip(declared, arrays)]


def arrays(reply_tensors):
    return [np.asarray(t.values).reshape(tuple(t.shape)) for t in reply_tensors]


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
        return np.asarray(reply.scores).reshape(-1, reply.outputs), reply.outputs

    def test_describe_lists_the_modules_parameters_in_order(self):
        reply = self.call("Describe", pb.DescribeRequest(trainer="small-mlp"))
        self.assertEqual(("small-mlp", "3"), (reply.name, reply.version))
        self.assertEqual([("0.weight", [8, 4]), ("0.bias", [8]), ("2.weight", [1, 8]), ("2.bias", [1])],
                         [(t.name, list(t.shape)) for t in reply.parameters])
        self.assertTrue(all(len(t.values) == 0 for t in reply.parameters), "names and shapes only")

    def test_fit_lowers_the_loss_and_returns_the_declared_tensors(self):
        self.load_train()
        start = self.start_params()
        before = bce(self.predict(start)[0].ravel(), self.y)
        reply = self.fit(start, epochs=30)
        self.assertEqual([(t.name, list(t.shape)) for t in self.declared()], [(t.name, list(t.shape)) for t in reply.parameters])
        for t in reply.parameters:
            self.assertEqual(int(np.prod(t.shape)), len(t.values), t.name)
        self.assertEqual(len(self.y), reply.examples)
        self.assertIn("loss", reply.metrics)
        after = bce(self.predict(arrays(reply.parameters))[0].ravel(), self.y)
        self.assertLess(after, 0.4 * before, f"the loss went from {before} to {after}")
        self.assertAlmostEqual(after, reply.metrics["loss"], delta=0.1, msg="the last epoch's mean loss is near the final one")

    def test_the_same_seed_gives_bit_identical_parameters(self):
        self.load_train()
        start = self.start_params()
        one = [list(t.values) for t in self.fit(start, optimizer="adam", learning_rate=0.01, proximal_mu=0.1).parameters]
        two = [list(t.values) for t in self.fit(start, optimizer="adam", learning_rate=0.01, proximal_mu=0.1).parameters]
        self.assertEqual(one, two)
        other = [list(t.values) for t in self.fit(start, seed=43, optimizer="adam", learning_rate=0.01, proximal_mu=0.1).parameters]
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
        w = [pb.Tensor(name="w", shape=[2], values=[0.0, 0.0])]
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


if __name__ == "__main__":
    unittest.main()
