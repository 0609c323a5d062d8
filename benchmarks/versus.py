"""The zoo's training step against plain TensorFlow and PyTorch doing exactly the same work.

    python -m benchmarks.versus [--rounds 7] [--steps 500] [--workloads gan,wgan_gp,logan_bigan,dcgan]
                                [--json results.json]

For each workload the zoo model is built from the zoo's own configs (:func:`zoo.configs.resolve`, the
method registry and ``train.run.compile_model``) and trained with ``model.fit`` and the config's
``steps_per_execution``, as a user trains it. Its **twins** do the same work by hand: the same network
sizes, losses, optimizer (Adam with Keras' update rule and ε), batch, D updates per G update and penalty,

* plain TensorFlow: ``tf.GradientTape``, raw variables and ``tf.nn`` ops, fed by the same ``tf.data``
  pipeline as the zoo, compiled twice: one ``tf.function`` call per generator step (``plain TF``, the
  usual hand-written loop) and ``steps_per_execution`` steps per call (``plain TF loop``, the
  amortisation Keras gives the zoo);
* a PyTorch eager loop (only when ``torch`` is importable: ``pip install mode-zoo[bench]``), fed from
  tensors already in memory, in a worker process of its own (sharing the process with TensorFlow's
  thread pools slowed it down up to tenfold).

Rounds are interleaved (zoo, tf, torch, zoo, tf, torch, ...) after a warm-up, so background load hits
every side alike; a zoo round is one Keras epoch of ``--steps`` steps (the epoch timer is a callback that
runs the twins' rounds between epochs, so the data iterator and the compiled step stay alive as in
training). Reported: the median milliseconds per generator step, zoo/plain-TF (1 is parity, below 1 the
zoo is faster) and torch/zoo (above 1 the zoo is faster).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

# name -> (method, dataset, config overrides): the networks of the outside measurement of issue #15.
_TOY_NETS = {"g_hidden": [128, 128], "d_hidden": [128, 128, 128], "activation": "relu", "batch_size": 500}
WORKLOADS = {
    # non-saturating GAN, G 2×128, D 3×128 ReLU, batch 500, one D step per G step.
    "gan": ("gan", "ring8", _TOY_NETS),
    # the same nets with the Wasserstein loss, 5 critic steps and the WGAN-GP penalty (λ = 10).
    "wgan_gp": ("wgan_gp", "ring8", _TOY_NETS),
    # LOGAN's toy BiGAN: G, E, D 3×512 leaky ReLU, logit loss lol1, pair-wise penalty λ = 0.1, batch 256.
    "logan_bigan": ("logan_bigan", "ring8", {"batch_size": 256}),
    # DCGAN on 28×28 images, base 64, batch 64.
    "dcgan": ("dcgan", "mnist", {"base": 64, "batch_size": 64}),
}


def workload_config(name: str) -> dict:
    """The resolved zoo config of workload ``name``."""
    from zoo import configs

    method, dataset, overrides = WORKLOADS[name]
    return configs.resolve(method, dataset, dict(overrides))


def real_dataset(config: dict, per_step: int) -> tf.data.Dataset:
    """The real data of one generator step: the training pipeline of a mixture, or one fixed in-memory
    image batch repeated (the figure measures the step, not image decoding)."""
    from zoo import data

    if data.is_mixture(config["dataset"]):
        return data.mixture_dataset(config["dataset"], per_step)
    shape = data.data_shape(config["dataset"])
    images = tf.random.stateless_uniform((per_step, *shape), (1, 2), -1.0, 1.0)
    return tf.data.Dataset.from_tensors(images).repeat().prefetch(tf.data.AUTOTUNE)


# ------------------------------------------------------------------------------------ the zoo side
def build_zoo(config: dict, jit: bool = False):
    """The zoo model of ``config``, compiled as ``train.run`` compiles it."""
    from train.run import compile_model
    from zoo.methods import build_model

    model = build_model(config)
    compile_model(model, config, steps_per_execution=config["steps_per_execution"],
                  **({"jit_compile": True} if jit else {}))
    return model


# ------------------------------------------------------------------------------------ plain TensorFlow
class _Adam:
    """Adam with Keras' update rule (bias correction folded into the step size, ε outside the root)."""

    def __init__(self, variables, spec: dict):
        self.variables = variables
        self.lr, self.b1, self.b2 = spec["learning_rate"], spec.get("beta_1", 0.9), spec.get("beta_2", 0.999)
        self.eps = spec.get("epsilon", 1e-7)
        self.m = [tf.Variable(tf.zeros_like(v)) for v in variables]
        self.v = [tf.Variable(tf.zeros_like(v)) for v in variables]
        self.t = tf.Variable(0.0)

    def apply(self, grads):
        """One update of every variable from its gradient."""
        t = self.t.assign_add(1.0)
        alpha = self.lr * tf.sqrt(1.0 - self.b2**t) / (1.0 - self.b1**t)
        for var, g, m, v in zip(self.variables, grads, self.m, self.v):
            m.assign_add((g - m) * (1.0 - self.b1))
            v.assign_add((tf.square(g) - v) * (1.0 - self.b2))
            var.assign_sub(m * alpha / (tf.sqrt(v) + self.eps))


def _glorot(shape, fan_in, fan_out, rng):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return tf.Variable(rng.uniform(-limit, limit, size=shape).astype(np.float32))


class _TFDense:
    def __init__(self, n_in, n_out, rng, bias=True):
        self.w = _glorot((n_in, n_out), n_in, n_out, rng)
        self.b = tf.Variable(tf.zeros([n_out])) if bias else None
        self.variables = [self.w] + ([self.b] if bias else [])

    def __call__(self, x):
        y = tf.matmul(x, self.w)
        return y + self.b if self.b is not None else y


class _TFMLP:
    """Dense layers with an activation between them and a linear output."""

    def __init__(self, sizes, act, rng):
        self.layers = [_TFDense(a, b, rng) for a, b in zip(sizes, sizes[1:])]
        self.act = act
        self.variables = [v for layer in self.layers for v in layer.variables]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)


def _tf_act(name):
    return (lambda x: tf.nn.leaky_relu(x, 0.2)) if name == "lrelu" else getattr(tf.nn, name)


class _TFBatchNorm:
    """Training-mode batch norm over all axes but the last, with Keras' momentum 0.99 and ε 1e-3."""

    def __init__(self, n):
        self.gamma, self.beta = tf.Variable(tf.ones([n])), tf.Variable(tf.zeros([n]))
        self.mean, self.var = tf.Variable(tf.zeros([n]), trainable=False), tf.Variable(tf.ones([n]), trainable=False)
        self.variables = [self.gamma, self.beta]

    def __call__(self, x):
        mean, var = tf.nn.moments(x, list(range(len(x.shape) - 1)))
        self.mean.assign(self.mean * 0.99 + mean * 0.01)
        self.var.assign(self.var * 0.99 + var * 0.01)
        return tf.nn.batch_normalization(x, mean, var, self.beta, self.gamma, 1e-3)


class _TFDCGAN:
    """The zoo's DCGAN pair for 28×28 images with two stride-2 stages, in ``tf.nn`` ops."""

    def __init__(self, z_dim, base, kernel, channels, rng):
        k, c2 = kernel, base * 2
        self.base, self.c2, self.channels = base, c2, channels
        self.fc = _TFDense(z_dim, 7 * 7 * c2, rng, bias=False)
        self.bn0, self.bn1 = _TFBatchNorm(7 * 7 * c2), _TFBatchNorm(base)
        self.up1 = _glorot((k, k, base, c2), k * k * c2, k * k * base, rng)
        self.up2 = _glorot((k, k, channels, base), k * k * base, k * k * channels, rng)
        self.up2_b = tf.Variable(tf.zeros([channels]))
        self.g_variables = [self.fc.w, *self.bn0.variables, self.up1, *self.bn1.variables, self.up2, self.up2_b]
        self.conv1 = _glorot((k, k, channels, base), k * k * channels, k * k * base, rng)
        self.conv1_b = tf.Variable(tf.zeros([base]))
        self.conv2 = _glorot((k, k, base, c2), k * k * base, k * k * c2, rng)
        self.conv2_b = tf.Variable(tf.zeros([c2]))
        self.out = _TFDense(7 * 7 * c2, 1, rng)
        self.d_variables = [self.conv1, self.conv1_b, self.conv2, self.conv2_b, *self.out.variables]

    def generate(self, z):
        """G(z) in training mode (batch statistics, moving statistics updated)."""
        n = tf.shape(z)[0]
        x = tf.nn.relu(self.bn0(self.fc(z)))
        x = tf.reshape(x, [n, 7, 7, self.c2])
        x = tf.nn.conv2d_transpose(x, self.up1, [n, 14, 14, self.base], 2, "SAME")
        x = tf.nn.relu(self.bn1(x))
        x = tf.nn.conv2d_transpose(x, self.up2, [n, 28, 28, self.channels], 2, "SAME") + self.up2_b
        return tf.tanh(x)

    def discriminate(self, x):
        """D's logits ``[B, 1]``."""
        h = tf.nn.leaky_relu(tf.nn.conv2d(x, self.conv1, 2, "SAME") + self.conv1_b, 0.2)
        h = tf.nn.leaky_relu(tf.nn.conv2d(h, self.conv2, 2, "SAME") + self.conv2_b, 0.2)
        return self.out(tf.reshape(h, [tf.shape(h)[0], -1]))


def _tf_flat(t):
    return tf.reshape(t, [tf.shape(t)[0], -1])


def plain_tf_step(config: dict, seed: int = 0):
    """The plain-TF body of one generator step of ``config`` (its D updates, then G's) on a real batch
    of ``d_steps × batch_size`` inputs; G's update takes the last slice, as in the zoo. Returns G's loss.

    Wrap it in ``tf.function`` (:func:`plain_tf_functions`)."""
    from zoo import data

    rng = np.random.default_rng(seed)
    method, loss = config["method"], config["loss"]
    z_dim, batch = config["prior"]["dim"], config["batch_size"]
    d_steps = config["d_steps"] or (5 if loss.startswith("wasserstein") else 1)
    g_spec = config.get("g_optimizer") or config["optimizer"]
    d_spec = config.get("d_optimizer") or config["optimizer"]
    shape = data.data_shape(config["dataset"])

    def z_batch():
        return tf.random.uniform([batch, z_dim], -1.0, 1.0)

    if method == "logan_bigan":
        act, x_dim = _tf_act(config["activation"]), shape[0]
        g = _TFMLP([z_dim, *config["g_hidden"], x_dim], act, rng)
        e = _TFMLP([x_dim, *(config["e_hidden"] or config["g_hidden"]), z_dim], act, rng)
        d = _TFMLP([x_dim + z_dim, *config["d_hidden"], 1], act, rng)
        d_opt, g_opt = _Adam(d.variables, d_spec), _Adam(g.variables + e.variables, g_spec)
        lam = config["gp_weight"]

        def joint(x, z):
            return d(tf.concat([x, z], axis=1))

        def step(real):
            with tf.GradientTape() as tape:
                z = z_batch()
                code = e(real)
                real_logits, fake_logits = joint(real, code), joint(g(z), z)
                adv = tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))
                # LOGAN's pair-wise penalty between x and its reconstruction G(E(x)).
                rec = tf.stop_gradient(g(code))
                eps = tf.random.uniform([batch, 1])
                x_hat = eps * real + (1.0 - eps) * rec
                with tf.GradientTape() as inner:
                    inner.watch(x_hat)
                    total = tf.reduce_sum(joint(x_hat, code))
                grads = inner.gradient(total, x_hat)
                diff = real - rec
                unit = diff / tf.sqrt(tf.reduce_sum(tf.square(diff), axis=1, keepdims=True) + 1e-12)
                gp = tf.reduce_mean(tf.sqrt(tf.reduce_sum(tf.square(grads - unit), axis=1) + 1e-12))
                d_loss = adv + lam * gp
            d_opt.apply(tape.gradient(d_loss, d.variables))
            with tf.GradientTape() as tape:
                z = z_batch()
                g_loss = tf.reduce_mean(joint(real, e(real))) - tf.reduce_mean(joint(g(z), z))
            g_opt.apply(tape.gradient(g_loss, g_opt.variables))
            return g_loss
        return step

    if config["network"] == "dcgan":
        nets = _TFDCGAN(z_dim, config["base"], config["kernel"], shape[-1], rng)
        gen, disc = nets.generate, nets.discriminate
        g_vars, d_vars = nets.g_variables, nets.d_variables
    else:
        act = _tf_act(config["d_activation"] or config["activation"])
        g = _TFMLP([z_dim, *config["g_hidden"], shape[0]], _tf_act(config["activation"]), rng)
        d = _TFMLP([shape[0], *config["d_hidden"], 1], act, rng)
        gen, disc, g_vars, d_vars = g, d, g.variables, d.variables
    d_opt, g_opt = _Adam(d_vars, d_spec), _Adam(g_vars, g_spec)
    wasserstein = loss.startswith("wasserstein")
    lam = config["gp_weight"] if config["penalty"] == "gp" else 0.0

    def step(real):
        chunks = tf.reshape(real, [d_steps, batch, *shape])
        for i in range(d_steps):
            x = chunks[i]
            with tf.GradientTape() as tape:
                fake = gen(z_batch())
                real_logits, fake_logits = disc(x), disc(fake)
                if wasserstein:
                    d_loss = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
                else:
                    d_loss = (tf.reduce_mean(tf.nn.softplus(-real_logits))
                              + tf.reduce_mean(tf.nn.softplus(fake_logits)))
                if lam:
                    # WGAN-GP: (‖∇D(x̃)‖ - 1)² at per-sample interpolates of real and fake inputs.
                    eps = tf.reshape(tf.random.uniform([batch]), [-1] + [1] * len(shape))
                    x_hat = eps * x + (1.0 - eps) * fake
                    with tf.GradientTape() as inner:
                        inner.watch(x_hat)
                        total = tf.reduce_sum(disc(x_hat))
                    norm = tf.sqrt(tf.reduce_sum(tf.square(_tf_flat(inner.gradient(total, x_hat))), axis=1) + 1e-12)
                    d_loss += lam * tf.reduce_mean(tf.square(norm - 1.0))
            d_opt.apply(tape.gradient(d_loss, d_vars))
        with tf.GradientTape() as tape:
            fake_logits = disc(gen(z_batch()))
            g_loss = -tf.reduce_mean(fake_logits) if wasserstein else tf.reduce_mean(tf.nn.softplus(-fake_logits))
        g_opt.apply(tape.gradient(g_loss, g_vars))
        return g_loss
    return step


def plain_tf_functions(config: dict, per_call: int):
    """Two compiled plain-TF loops over :func:`plain_tf_step`'s body: ``one(batch)`` runs one generator
    step per call (the usual hand-written loop), ``many(iterator)`` runs ``per_call`` steps per call on
    batches it takes from a ``tf.data`` iterator (the amortisation Keras' ``steps_per_execution`` buys)."""
    body = plain_tf_step(config)
    one = tf.function(body)

    @tf.function
    def many(iterator):
        loss = tf.constant(0.0)
        for _ in tf.range(per_call):
            loss = body(next(iterator))
        return loss
    return one, many


# ------------------------------------------------------------------------------------ PyTorch
def torch_available() -> bool:
    """Whether PyTorch can be imported (the optional ``bench`` extra)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_step(config: dict, pool: np.ndarray, seed: int = 0):
    """A PyTorch eager function doing one generator step of ``config``; real batches are drawn at random
    from ``pool`` (data already in memory, so no loader is timed)."""
    import torch
    from torch import nn

    from zoo import data

    torch.manual_seed(seed)
    method, loss = config["method"], config["loss"]
    z_dim, batch = config["prior"]["dim"], config["batch_size"]
    d_steps = config["d_steps"] or (5 if loss.startswith("wasserstein") else 1)
    shape = data.data_shape(config["dataset"])
    pool = torch.from_numpy(np.ascontiguousarray(pool, np.float32))
    if pool.ndim == 4:  # NHWC -> NCHW
        pool = pool.permute(0, 3, 1, 2).contiguous()

    def adam(params, spec):
        return torch.optim.Adam(params, lr=spec["learning_rate"], betas=(spec.get("beta_1", 0.9),
                                spec.get("beta_2", 0.999)), eps=spec.get("epsilon", 1e-7))

    def mlp(sizes, act):
        mods = []
        for a, b in zip(sizes, sizes[1:]):
            mods += [nn.Linear(a, b), nn.LeakyReLU(0.2) if act == "lrelu" else nn.ReLU()]
        return nn.Sequential(*mods[:-1])

    def real_batch(n):
        return pool[torch.randint(len(pool), (n,))]

    def z_batch():
        return torch.rand(batch, z_dim) * 2 - 1

    def frozen(net, flag):
        for p in net.parameters():
            p.requires_grad_(not flag)

    g_spec = config.get("g_optimizer") or config["optimizer"]
    d_spec = config.get("d_optimizer") or config["optimizer"]
    softplus = nn.functional.softplus
    if method == "logan_bigan":
        act, x_dim = config["activation"], shape[0]
        g = mlp([z_dim, *config["g_hidden"], x_dim], act)
        e = mlp([x_dim, *(config["e_hidden"] or config["g_hidden"]), z_dim], act)
        d = mlp([x_dim + z_dim, *config["d_hidden"], 1], act)
        d_opt, g_opt = adam(d.parameters(), d_spec), adam([*g.parameters(), *e.parameters()], g_spec)
        lam = config["gp_weight"]

        def step():
            x, z = real_batch(batch), z_batch()
            with torch.no_grad():  # G and E are not D's to update
                code, fake = e(x), g(z)
                rec = g(code)
            adv = (softplus(-d(torch.cat([x, code], 1))).mean() + softplus(d(torch.cat([fake, z], 1))).mean())
            eps = torch.rand(batch, 1)
            x_hat = (eps * x + (1 - eps) * rec).requires_grad_(True)
            grads, = torch.autograd.grad(d(torch.cat([x_hat, code], 1)).sum(), x_hat, create_graph=True)
            diff = x - rec
            unit = diff / torch.sqrt((diff**2).sum(1, keepdim=True) + 1e-12)
            gp = torch.sqrt(((grads - unit) ** 2).sum(1) + 1e-12).mean()
            d_opt.zero_grad(set_to_none=True)
            (adv + lam * gp).backward()
            d_opt.step()
            frozen(d, True)
            z = z_batch()
            g_loss = d(torch.cat([x, e(x)], 1)).mean() - d(torch.cat([g(z), z], 1)).mean()
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            g_opt.step()
            frozen(d, False)
        return step

    if config["network"] == "dcgan":
        base, k, c = config["base"], config["kernel"], shape[-1]
        pad = k // 2

        class Gen(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(z_dim, 7 * 7 * 2 * base, bias=False)
                self.bn0 = nn.BatchNorm1d(7 * 7 * 2 * base, eps=1e-3, momentum=0.01)
                self.up = nn.Sequential(
                    nn.ConvTranspose2d(2 * base, base, k, 2, pad, output_padding=1, bias=False),
                    nn.BatchNorm2d(base, eps=1e-3, momentum=0.01), nn.ReLU(),
                    nn.ConvTranspose2d(base, c, k, 2, pad, output_padding=1), nn.Tanh())

            def forward(self, z):
                return self.up(torch.relu(self.bn0(self.fc(z))).view(-1, 2 * base, 7, 7))

        gen = Gen()
        disc = nn.Sequential(nn.Conv2d(c, base, k, 2, pad), nn.LeakyReLU(0.2), nn.Conv2d(base, 2 * base, k, 2, pad),
                             nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(7 * 7 * 2 * base, 1))
    else:
        gen = mlp([z_dim, *config["g_hidden"], shape[0]], config["activation"])
        disc = mlp([shape[0], *config["d_hidden"], 1], config["d_activation"] or config["activation"])
    d_opt, g_opt = adam(disc.parameters(), d_spec), adam(gen.parameters(), g_spec)
    wasserstein = loss.startswith("wasserstein")
    lam = config["gp_weight"] if config["penalty"] == "gp" else 0.0

    def step():
        for _ in range(d_steps):
            x = real_batch(batch)
            with torch.no_grad():  # G is not D's to update: no graph through it
                fake = gen(z_batch())
            real_logits, fake_logits = disc(x), disc(fake)
            if wasserstein:
                d_loss = fake_logits.mean() - real_logits.mean()
            else:
                d_loss = softplus(-real_logits).mean() + softplus(fake_logits).mean()
            if lam:
                eps = torch.rand(batch, *[1] * (x.ndim - 1))
                x_hat = (eps * x + (1 - eps) * fake).requires_grad_(True)
                grads, = torch.autograd.grad(disc(x_hat).sum(), x_hat, create_graph=True)
                norm = torch.sqrt((grads.reshape(batch, -1) ** 2).sum(1) + 1e-12)
                d_loss = d_loss + lam * ((norm - 1) ** 2).mean()
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
        frozen(disc, True)
        fake_logits = disc(gen(z_batch()))
        g_loss = -fake_logits.mean() if wasserstein else softplus(-fake_logits).mean()
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        frozen(disc, False)
    return step


# ------------------------------------------------------------------------------------ timing
def torch_pool(config: dict, n: int = 100_000) -> np.ndarray:
    """The torch twin's real data in memory: the mixture's fixed training sample (the one the zoo's
    pipeline shuffles), or uniform noise images like the zoo side's fixed batch."""
    from zoo import data

    if data.is_mixture(config["dataset"]):
        return data.mixture(config["dataset"]).sample(n, seed=0)
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (10 * config["batch_size"], *data.data_shape(config["dataset"]))).astype(np.float32)


def torch_worker(name: str, steps: int) -> int:
    """Serve timed torch rounds of workload ``name`` over stdin/stdout: one line in, one ms figure out.

    The torch twin runs in its own process: in the benchmark's process TensorFlow's and PyTorch's thread
    pools spin on the same two cores after each other's work and the torch DCGAN ran about ten times
    slower than alone.
    """
    import torch

    config = workload_config(name)
    step = torch_step(config, torch_pool(config))
    for _ in range(3):  # warm-up: allocator, kernels
        step()
    print("ready", flush=True)
    for _line in sys.stdin:
        start = time.perf_counter()
        for _ in range(steps):
            step()
        print(json.dumps({"ms": 1000 * (time.perf_counter() - start) / steps, "threads": torch.get_num_threads()}),
              flush=True)
    return 0


class _TorchRounds:
    """A :func:`torch_worker` subprocess; :meth:`round` times one round and returns ms per step."""

    def __init__(self, name: str, steps: int):
        import subprocess

        # OpenMP threads that sleep instead of spinning at barriers: on a loaded machine the spinning ones
        # made the torch GAN step 10-30× slower (195-315 ms instead of 7-34 ms at load average 9).
        env = {"OMP_WAIT_POLICY": "PASSIVE", **os.environ}
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.versus", "--torch-worker", name,
                                      "--steps", str(steps)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env, cwd=repo)
        self._expect("ready")

    def _expect(self, what=None):
        line = self.proc.stdout.readline()
        if not line or (what and line.strip() != what):
            raise RuntimeError(f"the torch worker stopped (exit status {self.proc.poll()})")
        return line

    def round(self) -> float:
        """Milliseconds per generator step of one torch round."""
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        return json.loads(self._expect())["ms"]

    def close(self):
        """End the worker."""
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def run_workload(name: str, rounds: int, steps: int, use_torch: bool, jit: bool = False) -> dict:
    """Time workload ``name``: ``rounds`` interleaved rounds of ``steps`` generator steps per side.

    Returns the per-round milliseconds per generator step of each side: ``zoo``, ``tf`` (one
    ``tf.function`` call per step), ``tf_loop`` (``steps_per_execution`` steps per call) and, with
    ``use_torch``, ``torch``.
    """
    import keras

    config = workload_config(name)
    keras.utils.set_random_seed(config["seed"])
    model = build_zoo(config, jit=jit)
    per_step = model.examples_per_step(config["batch_size"])
    # Whole executions only, so every zoo round runs exactly ``steps`` steps.
    spe = config["steps_per_execution"]
    steps = max(spe, steps // spe * spe)
    tf_one, tf_many = plain_tf_functions(config, spe)
    tf_iter = iter(real_dataset(config, per_step))
    th = _TorchRounds(name, steps) if use_torch else None
    times = {"zoo": [], "tf": [], "tf_loop": [], **({"torch": []} if use_torch else {})}

    def twin_round(record: bool):
        start = time.perf_counter()
        for _ in range(steps):
            last = tf_one(next(tf_iter))
        float(last)  # reading the last loss back makes sure every step has run
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(steps // spe):
            last = tf_many(tf_iter)
        float(last)
        elapsed_loop = time.perf_counter() - start
        if record:
            times["tf"].append(1000 * elapsed / steps)
            times["tf_loop"].append(1000 * elapsed_loop / steps)
        if th is not None:
            ms = th.round()
            if record:
                times["torch"].append(ms)

    class Interleave(keras.callbacks.Callback):
        """Times each epoch of ``fit`` (one zoo round) and runs the twins' round after it; epoch 0 warms up."""

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            elapsed = time.perf_counter() - self.start  # ``logs`` were read back: the epoch's work is done
            if epoch > 0:
                times["zoo"].append(1000 * elapsed / steps)
            twin_round(record=epoch > 0)

    try:
        model.fit(real_dataset(config, per_step), epochs=rounds + 1, steps_per_epoch=steps, verbose=0,
                  callbacks=[Interleave()])
    finally:
        if th is not None:
            th.close()
    return {"config": {k: config[k] for k in ("method", "dataset", "batch_size", "g_hidden", "d_hidden",
                                              "activation", "loss", "penalty", "gp_weight", "base",
                                              "steps_per_execution")},
            "d_steps": model.d_steps, "steps": steps, "times": times}


def summarize(times: dict) -> dict:
    """Medians and the two ratios of one workload's per-round timings."""
    med = {side: statistics.median(v) for side, v in times.items() if v}
    out = {f"{side}_ms": m for side, m in med.items()}
    out["zoo_over_tf"] = med["zoo"] / med["tf"]
    out["zoo_over_tf_loop"] = med["zoo"] / med["tf_loop"]
    out["torch_ms"] = med.get("torch")
    out["torch_over_zoo"] = med["torch"] / med["zoo"] if "torch" in med else None
    return out


def table(results: dict) -> str:
    """A markdown table of the medians and ratios."""
    def fmt(v, spec):
        return "n/a" if v is None else format(v, spec)

    lines = ["| workload | zoo ms | plain TF ms | plain TF loop ms | torch ms | zoo / TF | zoo / TF loop "
             "| torch / zoo |", "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        s = r["summary"]
        lines.append(f"| {name} | {s['zoo_ms']:.2f} | {s['tf_ms']:.2f} | {s['tf_loop_ms']:.2f} | "
                     f"{fmt(s['torch_ms'], '.2f')} | {s['zoo_over_tf']:.2f} | {s['zoo_over_tf_loop']:.2f} | "
                     f"{fmt(s['torch_over_zoo'], '.2f')} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    """Time the selected workloads and print the table (and write ``--json``)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=7, help="timed rounds per side (default 7), after one warm-up")
    p.add_argument("--steps", type=int, default=500,
                   help="generator steps per round (default 500; DCGAN runs a tenth), rounded down to whole "
                        "steps_per_execution")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help=f"comma-separated, of {', '.join(WORKLOADS)}")
    p.add_argument("--json", help="also write the results (every round's timing) to this JSON file")
    p.add_argument("--jit", action="store_true", help="compile the zoo step with XLA (jit_compile)")
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch twin even when torch is installed")
    p.add_argument("--torch-worker", help=argparse.SUPPRESS)  # internal: serve torch rounds of a workload
    args = p.parse_args(argv)
    if args.torch_worker:
        return torch_worker(args.torch_worker, args.steps)
    names = [n.strip() for n in args.workloads.split(",") if n.strip()]
    unknown = [n for n in names if n not in WORKLOADS]
    if args.rounds < 1 or args.steps < 1 or unknown or not names:
        print(f"error: --rounds and --steps must be >= 1 and --workloads a subset of {', '.join(WORKLOADS)}",
              file=sys.stderr)
        return 2
    use_torch = not args.no_torch and torch_available()
    if not use_torch:
        print("note: PyTorch is not installed (pip install mode-zoo[bench]) or --no-torch: no torch column")
    load_before = os.getloadavg()
    results = {}
    for name in names:
        steps = args.steps if name != "dcgan" else max(1, args.steps // 10)
        run = run_workload(name, args.rounds, steps, use_torch, jit=args.jit)
        run["summary"] = summarize(run["times"])
        results[name] = run
        s = run["summary"]
        torch_ms = "" if s["torch_ms"] is None else f", torch {s['torch_ms']:.2f} ms"
        print(f"{name}: zoo {s['zoo_ms']:.2f} ms, plain TF {s['tf_ms']:.2f} ms (loop {s['tf_loop_ms']:.2f}){torch_ms}, "
              f"zoo/TF {s['zoo_over_tf']:.2f}", flush=True)
        machine = {"cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg(),
                   "python": platform.python_version(), "tensorflow": tf.__version__,
                   "torch": __import__("torch").__version__ if use_torch else None}
        if args.json:  # after every workload, so a long run interrupted late keeps what it measured
            payload = {"command": "python -m benchmarks.versus " + " ".join(argv if argv is not None else sys.argv[1:]),
                       "rounds": args.rounds, "jit": args.jit, "machine": machine, "workloads": results}
            with open(args.json, "w") as f:
                json.dump(payload, f, indent=1)
    print(f"\nms per generator step, median of {args.rounds} interleaved rounds; {machine['cpus']} CPUs, "
          f"load average {load_before[0]:.2f} before, {machine['load_after'][0]:.2f} after")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
