"""The GAN base model: training steps, sampling, save/load round trips, tf.distribute, registry."""
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import checkpoint, configs, data
from zoo.core import networks
from zoo.core.model import GAN
from zoo.core.priors import Prior
from zoo.methods import build_model, build_optimizer, piecewise_lr


def _tiny(loss="non_saturating", gp_weight=0.0, dataset="ring8", prior=None, d_steps=None):
    prior = prior or Prior("uniform", 2)
    g = networks.mlp(prior.event_dim, 2, (16,), name="generator")
    d = networks.mlp(2, 1, (16,), name="discriminator")
    return GAN(g, d, prior, loss=loss, gp_weight=gp_weight, dataset=dataset, seed=1, d_steps=d_steps)


def test_sample_is_deterministic_for_a_seed():
    m = _tiny()
    a, b, c = m.sample(7, seed=3), m.sample(7, seed=3), m.sample(7, seed=4)
    assert a.shape == (7, 2) and np.array_equal(a, b) and not np.array_equal(a, c)
    assert m.sample(0).shape == (0, 2)
    with pytest.raises(ValueError):
        m.sample(-1)


def test_priors():
    z = Prior("multimodal", dim=3, categories=4).sample(500, seed=0).numpy()
    assert z.shape == (500, 7)
    assert np.all((z[:, :3] >= -1) & (z[:, :3] <= 1))
    assert np.allclose(z[:, 3:].sum(1), 1) and set(np.unique(z[:, 3:])) == {0.0, 1.0}
    assert (z[:, 3:].sum(0) > 80).all()  # every category drawn
    with pytest.raises(ValueError, match="unknown prior kind"):
        Prior("cauchy")


@pytest.mark.parametrize("loss,gp", [("non_saturating", 0.0), ("wasserstein", 0.0), ("wasserstein_gp", 10.0)])
def test_train_step_updates_both_players(loss, gp):
    m = _tiny(loss, gp)
    m.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    g0 = [w.numpy().copy() for w in m.generator.weights]
    d0 = [w.numpy().copy() for w in m.discriminator.weights]
    real = data.mixture("ring8").sample(32 * m.d_steps, seed=0)
    logs = m.train_on_batch(real, return_dict=True)
    # Every named term is tracked: with a penalty, D's total splits into its adversarial and penalty terms.
    expected = {"d_loss", "g_loss"} | ({"d_adv", "d_gp"} if gp else set())
    assert set(logs) == expected and all(np.isfinite(v) for v in logs.values())
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(g0, m.generator.weights))
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(d0, m.discriminator.weights))
    if loss == "wasserstein":  # weight clipping (Arjovsky et al. 2017, Alg. 1)
        assert max(float(tf.reduce_max(tf.abs(w))) for w in m.discriminator.trainable_weights) <= 0.01 + 1e-7
    if gp:
        assert logs["d_gp"] > 0 and logs["d_loss"] == pytest.approx(logs["d_adv"] + logs["d_gp"], rel=1e-5)


def test_save_load_round_trip_identical_samples(tmp_path):
    m = _tiny(prior=Prior("multimodal", 2, 3))
    m.compile()
    m.train_on_batch(data.mixture("ring8").sample(64, seed=0))
    checkpoint.save(m, tmp_path / "ck", {"metrics.json": {"x": 1}})
    loaded = zoo.load(str(tmp_path / "ck"))
    assert isinstance(loaded, GAN) and loaded.dataset == "ring8" and loaded.prior.kind == "multimodal"
    assert np.array_equal(loaded.sample(50, seed=9), m.sample(50, seed=9))
    assert json.loads((tmp_path / "ck" / "metrics.json").read_text()) == {"x": 1}


def test_corrupt_or_incomplete_checkpoint_is_refused(tmp_path):
    m = _tiny()
    checkpoint.save(m, tmp_path / "ck")
    weights = tmp_path / "ck" / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(zoo.CheckpointError, match="corrupt"):
        zoo.load(str(tmp_path / "ck"))
    os.remove(tmp_path / "ck" / "SHA256SUMS")
    with pytest.raises(zoo.CheckpointError, match="incomplete"):
        zoo.load(str(tmp_path / "ck"))
    with pytest.raises(zoo.CheckpointError, match="does not exist|unknown model"):
        zoo.load(str(tmp_path / "nope"))


def test_registry_unknown_name_lists_known_ones():
    with pytest.raises(zoo.CheckpointError, match="available"):
        zoo.load("no_such_model")
    assert zoo.list() == sorted(zoo.manifest())


def test_registry_hash_mismatch_is_refused(tmp_path, monkeypatch):
    m = _tiny()
    checkpoint.save(m, tmp_path / "fake_entry")
    manifest = {"fake_entry": {"files": {f: "0" * 64 for f in checkpoint.MODEL_FILES}}}
    monkeypatch.setattr(zoo, "manifest", lambda: manifest)
    monkeypatch.setenv("MODE_ZOO_CHECKPOINTS", str(tmp_path))
    with pytest.raises(zoo.CheckpointError, match="corrupt or altered"):
        zoo.load("fake_entry")


def test_published_checkpoints_load_and_sample():
    # Every registry entry must load (from checkpoints/ or the Hub cache: tests run with HF_HUB_OFFLINE),
    # verified against its registry hashes: an entry without weights anywhere fails here.
    names = zoo.list()
    assert names, "zoo/manifest.json lists no published entries"
    missing = []
    for name in names:
        try:
            model, source = zoo.load(name, with_source=True)
        except zoo.CheckpointError as err:
            missing.append(f"{name}: {err}")
            continue
        assert source.entry == name and source.registered
        x = model.sample(16, seed=0)
        assert x.shape[0] == 16 and x.shape[1:] == data.data_shape(model.dataset)
    assert not missing, "registry entries that cannot be loaded:\n" + "\n".join(missing)


def test_published_checkpoints_were_trained_with_their_entry_config():
    # `python -m train.run --model NAME --publish` must retrain exactly what is published: every shipped
    # checkpoint's recorded train_config.json is its entry's resolved config (with the recorded seed).
    names = [n for n in zoo.list() if (zoo.checkpoint_dir() / n / "train_config.json").is_file()]
    if not names:
        pytest.skip("no published checkpoints in this checkout")
    for name in names:
        recorded = json.loads((zoo.checkpoint_dir() / name / "train_config.json").read_text())
        wanted = json.loads(json.dumps(configs.resolve(name, None, {"seed": recorded.get("seed", 0)})))
        # A key the schema gained after the checkpoint was trained must hold its schema default.
        recorded = {**json.loads(json.dumps(configs.schema_defaults())), **recorded}
        diff = sorted(k for k in set(wanted) | set(recorded) if wanted.get(k) != recorded.get(k))
        assert not diff, f"{name}: checkpoint and zoo/configs.py differ in {diff}"


def test_config_resolution():
    c = configs.resolve("gan", "ring8")
    assert c["name"] == "gan_ring8" and c["method"] == "gan" and c["loss"] == "non_saturating"
    c = configs.resolve("wgan_gp", "cube27", {"steps": 7})
    assert c["gp_weight"] == 10.0 and c["steps"] == 7 and c["prior"]["dim"] == 3
    with pytest.raises(configs.ConfigError, match="unknown model"):
        configs.resolve("ganz")
    with pytest.raises(configs.ConfigError, match="unknown dataset"):
        configs.resolve("gan", "svhn")
    with pytest.raises(configs.ConfigError, match="unknown config key"):
        configs.resolve("gan", overrides={"lr": 1})
    with pytest.raises(configs.ConfigError, match="network 'dcgan' does not fit dataset 'ring8'"):
        configs.resolve("logan_dcgan", "ring8")
    assert configs.resolve("logan_dcgan", "ring8", {"network": "mlp"})["network"] == "mlp"
    from zoo.methods import ENTRIES

    for name in ENTRIES:  # every entry resolves to networks that fit its data
        configs.resolve(name)


def test_dcgan_shapes():
    c = configs.resolve("dcgan", "mnist")
    m = build_model(c)
    assert m.sample(3, seed=0).shape == (3, 28, 28, 1)
    assert m.discriminator(tf.zeros([2, 28, 28, 1])).shape == (2, 1)
    g32 = networks.dcgan_generator(8, (32, 32, 3), base=8)
    assert g32(tf.zeros([1, 8])).shape == (1, 32, 32, 3)
    with pytest.raises(ValueError, match="7·2\\^k"):
        networks.dcgan_generator(8, (30, 30, 1))


def _kinds(net):
    """Layer types of a network after its inputs, in order."""
    return [type(layer).__name__ for layer in net.layers if not isinstance(layer, keras.layers.InputLayer)]


# The DCGAN networks the published image entries use (28×28: two stride-2 levels); the options' defaults
# must keep building exactly these.
_G = ["Dense", "BatchNormalization", "ReLU", "Reshape", "Conv2DTranspose", "BatchNormalization", "ReLU",
      "Conv2DTranspose"]
_E = ["Conv2D", "LeakyReLU", "Conv2D", "BatchNormalization", "LeakyReLU", "Flatten", "Dense"]
_D = ["Conv2D", "LeakyReLU", "Conv2D", "LeakyReLU", "Flatten", "Dense"]
_JOINT_D = [*_D[:-1], "Concatenate", "Dense", "LeakyReLU", "Dense"]


@pytest.mark.parametrize("method", ["dcgan", "logan_bigan", "mrgan", "mdgan", "veegan"])
def test_dcgan_options_reach_every_method_and_default_to_the_published_networks(method):
    """g_activation, bn_momentum, e_bn_first, d_features and d_joint_hidden shape every DCGAN a method
    builds (through ``networks.dcgan_kwargs``); left at their defaults they change nothing."""
    small = {"base": 4, "prior": {"kind": "uniform", "dim": 3}}
    default = build_model(configs.resolve(method, "mnist", small))
    joint = default.discriminator.inputs[1:] != []
    discriminators = [n for n in ("discriminator", "discriminator2") if hasattr(default, n)]
    assert _kinds(default.generator) == _G
    assert [_kinds(getattr(default, n)) for n in discriminators] == [_JOINT_D if joint else _D] * len(discriminators)
    if hasattr(default, "encoder"):
        assert _kinds(default.encoder) == _E
    norms = [layer for layer in default.generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert all(layer.momentum == 0.99 for layer in norms)

    options = {"g_activation": "lrelu", "bn_momentum": 0.9, "e_bn_first": True, "d_features": 8,
               "d_joint_hidden": [6, 5]}
    model = build_model(configs.resolve(method, "mnist", {**small, **options}))
    assert _kinds(model.generator) == [k.replace("ReLU", "LeakyReLU") for k in _G]
    for name in discriminators:
        d = getattr(model, name)
        full_map = [layer for layer in d.layers if isinstance(layer, keras.layers.Conv2D)][-1]
        assert (full_map.filters, full_map.kernel_size, full_map.padding) == (8, (7, 7), "valid")
        units = [layer.units for layer in d.layers if isinstance(layer, keras.layers.Dense)]
        assert units == ([6, 5, 1] if joint else [1])
    nets = [model.generator] + ([model.encoder] if hasattr(model, "encoder") else [])
    norms = [layer for net in nets for layer in net.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert all(layer.momentum == 0.9 for layer in norms)
    if hasattr(model, "encoder"):
        assert _kinds(model.encoder)[:3] == ["Conv2D", "BatchNormalization", "LeakyReLU"]


def test_one_vs_two_replicas_give_the_same_step():
    """One step with 1 and 2 replicas from the same weights must agree (docs/methods/baselines.md#training-loop)."""
    devices = tf.config.list_logical_devices("CPU")
    if len(devices) < 2:
        pytest.skip("needs two logical CPU devices (set up in conftest before TF starts)")
    real = data.mixture("ring8").sample(64, seed=0)
    results = []
    for strategy in (tf.distribute.OneDeviceStrategy(devices[0].name),
                     tf.distribute.MirroredStrategy([d.name for d in devices[:2]])):
        with strategy.scope():
            keras.utils.set_random_seed(0)
            m = _tiny(loss="wasserstein_gp", d_steps=1)  # no clipping, loss linear in the batch
            m.draw_latent = lambda b, _m=m: tf.zeros([b, 2]) + 0.3  # same z on every replica
            m.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
        ds = tf.data.Dataset.from_tensors(real).repeat()
        logs = m.fit(ds, epochs=1, steps_per_epoch=1, verbose=0).history
        results.append(([w.numpy() for w in m.discriminator.weights + m.generator.weights], logs))
    (w1, logs1), (w2, logs2) = results
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert logs1["d_loss"][0] == pytest.approx(logs2["d_loss"][0], rel=1e-5)


def test_two_replicas_draw_the_latents_and_data_of_one():
    """Random latents and penalty weights, a shuffled pipeline and three steps: 2 replicas end where 1
    does, because each replica keeps its slice of the global draws (GAN.replica_slice) and fit takes no
    batch off the pipeline to build the model (docs/distributed.md)."""
    devices = tf.config.list_logical_devices("CPU")
    if len(devices) < 2:
        pytest.skip("needs two logical CPU devices (set up in conftest before TF starts)")
    weights = []
    for strategy in (tf.distribute.OneDeviceStrategy(devices[0].name),
                     tf.distribute.MirroredStrategy([d.name for d in devices[:2]])):
        keras.utils.set_random_seed(0)
        with strategy.scope():
            m = _tiny(loss="wasserstein_gp", gp_weight=1.0, d_steps=1)
            m.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
        ds = data.mixture_dataset("ring8", 64, num_examples=640, seed=0)
        m.fit(ds, epochs=1, steps_per_epoch=3, verbose=0)
        weights.append([w.numpy() for w in m.discriminator.weights + m.generator.weights])
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_build_optimizer():
    assert isinstance(build_optimizer({"name": "rmsprop", "learning_rate": 1e-3}), keras.optimizers.RMSprop)
    with pytest.raises(ValueError, match="unknown optimizer"):
        build_optimizer({"name": "lion"})


def test_build_optimizer_takes_a_serialized_learning_rate_schedule():
    """A schedule in Keras' serialized form is evaluated at the optimizer's own update count."""
    opt = build_optimizer({"name": "sgd", "learning_rate": {
        "class_name": "PiecewiseConstantDecay", "config": {"boundaries": [2], "values": [0.5, 0.05]}}})
    v = keras.Variable(1.0)
    seen = []
    for _ in range(4):
        seen.append(float(opt.learning_rate))
        opt.apply_gradients([(keras.ops.ones(()), v)])
    # boundaries are inclusive upper bounds on the update count: 0.5 for updates 0-2, 0.05 after.
    np.testing.assert_allclose(seen, [0.5, 0.5, 0.5, 0.05], rtol=1e-6)
    np.testing.assert_allclose(float(v), 1.0 - 3 * 0.5 - 0.05, rtol=1e-6)
    assert piecewise_lr([0.5, 0.05], [2]) == {"class_name": "PiecewiseConstantDecay",
                                               "config": {"boundaries": [2], "values": [0.5, 0.05]}}
    with pytest.raises(ValueError, match="one value more than boundaries"):
        piecewise_lr([0.5], [2])
    for bad, words in [({"class_name": "Nope", "config": {}}, "not a Keras learning-rate schedule"),
                       ({"class_name": "CosineDecay", "config": {"bogus": 1}}, "unexpected keyword argument 'bogus'")]:
        with pytest.raises(ValueError, match=words):
            build_optimizer({"name": "adam", "learning_rate": bad})


def test_missing_local_weights_fall_back_to_hub_with_a_clear_offline_error(tmp_path, monkeypatch):
    monkeypatch.setattr(zoo, "manifest", lambda: {"ghost": {"files": {}}})
    monkeypatch.setenv("MODE_ZOO_CHECKPOINTS", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # never touch the network from tests
    with pytest.raises(zoo.CheckpointError, match="hf://mode-zoo/ghost"):
        zoo.load("ghost")


def test_hub_push_uploads_exactly_the_verified_files(tmp_path, monkeypatch):
    from zoo import hub

    checkpoint.save(_tiny(), tmp_path / "entry", {"metrics.json": {}})
    files = {f: checkpoint.sha256(tmp_path / "entry" / f) for f in checkpoint.MODEL_FILES}
    monkeypatch.setattr(zoo, "manifest", lambda: {"entry": {"files": files}})
    monkeypatch.setenv("MODE_ZOO_CHECKPOINTS", str(tmp_path))
    calls = {}

    class FakeApi:  # stands in for huggingface_hub.HfApi: records instead of uploading
        def create_repo(self, repo_id, **kw):
            calls["repo"] = repo_id

        def create_commit(self, repo_id, operations, **kw):
            calls["files"] = {op.path_in_repo for op in operations}

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    assert hub.push("entry") == "mode-zoo/entry"
    assert calls["repo"] == "mode-zoo/entry"
    # The verified files and the model card (generated; tests/test_hub.py checks its content).
    assert calls["files"] == {*checkpoint.MODEL_FILES, "metrics.json", "SHA256SUMS", "README.md"}
    (tmp_path / "entry" / "config.json").write_text("{}")  # tampered: refused before any upload
    calls.clear()
    with pytest.raises(zoo.CheckpointError):
        hub.push("entry")
    assert not calls
