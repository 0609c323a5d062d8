"""Network builders shared by every method: the papers' MLPs and a compact DCGAN.

All builders return functional ``keras.Model``s (serializable by Keras' own config). Discriminators
end in one linear unit (a **logit**); losses apply the sigmoid themselves (zoo.core.losses).
"""
from __future__ import annotations

import math

import keras
from keras import layers

__all__ = ["mlp", "joint_mlp", "logan_initializer", "dcgan_generator", "dcgan_discriminator", "dcgan_encoder",
           "dcgan_kwargs", "for_config"]


def _act(name):
    # "lrelu" is LOGAN's leaky ReLU with slope 0.2 (visual_models.py).
    return layers.LeakyReLU(0.2) if name == "lrelu" else layers.Activation(name)


def mlp(input_dim: int, output_dim: int, hidden=(128, 128), activation="relu", output_activation=None,
        name="mlp", hidden_initializer="glorot_uniform") -> keras.Model:
    """Fully connected net ``input_dim -> hidden... -> output_dim``.

    The papers' toy networks are instances: Goerttler & Kloft G = 2×FC128 ReLU + tanh output, D = 3×FC128
    tanh; Lopez-Paz & Oquab 2×128 ReLU; LOGAN 3×512 lrelu with linear output. ``hidden_initializer``
    initialises the hidden layers only (LOGAN's toy nets: :func:`logan_initializer`; output layers keep
    the default, as in its ``visual_models.py``).
    """
    x = inp = keras.Input((input_dim,), name=f"{name}_in")
    for i, units in enumerate(hidden):
        x = layers.Dense(units, kernel_initializer=hidden_initializer, name=f"{name}_fc{i}")(x)
        x = _act(activation)(x)
    out = layers.Dense(output_dim, activation=output_activation, name=f"{name}_out")(x)
    return keras.Model(inp, out, name=name)


def joint_mlp(x_dim: int, z_dim: int, hidden=(512, 512, 512), activation="lrelu", name="joint_d",
              hidden_initializer="glorot_uniform"):
    """BiGAN discriminator D(x, z) on concat(x, z) -> logit (LOGAN toy D, ``docs/methods/logan.md``)."""
    x_in, z_in = keras.Input((x_dim,), name="x"), keras.Input((z_dim,), name="z")
    body = mlp(x_dim + z_dim, 1, hidden, activation, name=f"{name}_body", hidden_initializer=hidden_initializer)
    return keras.Model([x_in, z_in], body(layers.Concatenate()([x_in, z_in])), name=name)


def logan_initializer(factor: float = 1.43):
    """TF1 ``uniform_unit_scaling_initializer(1.43)`` of LOGAN's toy nets (Sussillo & Abbott 2014):
    U(±factor·√(3/fan_in)), i.e. Keras ``VarianceScaling(factor², "fan_in", "uniform")``."""
    return keras.initializers.VarianceScaling(factor**2, mode="fan_in", distribution="uniform")


def _levels(image_shape):
    """Number of stride-2 stages from the smallest feature map (4 or 7 pixels) up to the image."""
    size = image_shape[0]
    start = 7 if size % 7 == 0 else 4
    levels = int(round(math.log2(size / start)))
    if start * 2**levels != size:
        raise ValueError(f"DCGAN needs a side of 7·2^k or 4·2^k pixels, got {size}")
    return start, levels


def dcgan_generator(latent_dim: int, image_shape=(28, 28, 1), base: int = 64, kernel: int = 5,
                    name="generator", activation: str = "relu", bn_momentum: float = 0.99) -> keras.Model:
    """DCGAN generator (Radford et al. 2016): FC -> (transposed conv, BN, ReLU)×k -> tanh image.

    Channels halve at each stride-2 stage, ending at ``base``; 28×28 starts at 7×7, 32×32 at 4×4.
    ``activation`` replaces the hidden ReLUs (``"lrelu"``: LOGAN's leaky ReLU 0.2); ``bn_momentum`` is
    the batch norms' moving-statistics momentum (Keras' 0.99; tf.contrib's ``decay`` 0.9 in LOGAN).
    """
    start, levels = _levels(image_shape)
    ch = base * 2 ** (levels - 1)

    def hidden(t):
        t = layers.BatchNormalization(momentum=bn_momentum)(t)
        return (layers.ReLU() if activation == "relu" else _act(activation))(t)

    z = keras.Input((latent_dim,), name="z")
    x = hidden(layers.Dense(start * start * ch, use_bias=False)(z))
    x = layers.Reshape((start, start, ch))(x)
    for _ in range(levels - 1):
        ch //= 2
        x = hidden(layers.Conv2DTranspose(ch, kernel, 2, padding="same", use_bias=False)(x))
    out = layers.Conv2DTranspose(image_shape[-1], kernel, 2, padding="same", activation="tanh")(x)
    return keras.Model(z, out, name=name)


def _conv_features(x, levels, base, kernel, batch_norm=False, bn_first=False, bn_momentum=0.99, features=None):
    """(stride-2 conv, [BN], lrelu 0.2)×levels, flattened; channels double from ``base``.

    DCGAN leaves the first conv un-normalised; ``bn_first`` normalises it too (LOGAN's encoder).
    ``features`` adds a lrelu conv whose kernel covers the whole last feature map ("valid"), the way
    LOGAN's discriminator ends its convolutions: a dense layer on the map, initialised as a conv.
    """
    ch = base
    for i in range(levels):
        x = layers.Conv2D(ch, kernel, 2, padding="same")(x)
        if batch_norm and (i > 0 or bn_first):
            x = layers.BatchNormalization(momentum=bn_momentum)(x)
        x = layers.LeakyReLU(0.2)(x)
        ch *= 2
    if features:
        x = layers.LeakyReLU(0.2)(layers.Conv2D(features, tuple(x.shape[1:3]), padding="valid")(x))
    return layers.Flatten()(x)


def dcgan_discriminator(image_shape=(28, 28, 1), base: int = 64, kernel: int = 5, z_dim: int = 0,
                        name="discriminator", features: int | None = None, joint_hidden=(512,)) -> keras.Model:
    """DCGAN discriminator: (stride-2 conv, lrelu 0.2)×k -> linear logit.

    No batch norm, so gradient penalties stay per-sample (Gulrajani et al. 2017, Sec. 4; LOGAN's D has
    none either). ``features`` units: a lrelu layer over the whole last feature map before the head
    (LOGAN: 8·base). With ``z_dim > 0`` it is a BiGAN joint discriminator D(x, z): image features are
    concatenated with z before lrelu layers of ``joint_hidden`` units (Donahue et al. 2017: one of 512;
    LOGAN: one as wide as the concatenation).
    """
    _, levels = _levels(image_shape)
    x_in = keras.Input(image_shape, name="x")
    h = _conv_features(x_in, levels, base, kernel, features=features)
    if not z_dim:
        return keras.Model(x_in, layers.Dense(1)(h), name=name)
    z_in = keras.Input((z_dim,), name="z")
    h = layers.Concatenate()([h, z_in])
    for units in joint_hidden:
        h = layers.LeakyReLU(0.2)(layers.Dense(units)(h))
    return keras.Model([x_in, z_in], layers.Dense(1)(h), name=name)


def dcgan_encoder(image_shape, latent_dim: int, base: int = 64, kernel: int = 5, name="encoder",
                  bn_first: bool = False, bn_momentum: float = 0.99):
    """Convolutional encoder E: x -> z with BN (LOGAN image setup) and a tanh output matching U(-1, 1).

    The convolutions mirror the discriminator's; BN follows every conv but the first unless ``bn_first``
    (LOGAN normalises all of them), with moving-statistics momentum ``bn_momentum``.
    """
    _, levels = _levels(image_shape)
    x_in = keras.Input(image_shape, name="x")
    h = _conv_features(x_in, levels, base, kernel, batch_norm=True, bn_first=bn_first, bn_momentum=bn_momentum)
    return keras.Model(x_in, layers.Dense(latent_dim, activation="tanh")(h), name=name)


def dcgan_kwargs(config: dict, role: str) -> dict:
    """Keyword arguments of the DCGAN builder of ``role`` (``generator``, ``encoder`` or ``discriminator``)
    from a resolved config: ``base``, ``kernel`` and the role's options, so that every method builds the
    networks its config describes (``g_activation`` and ``bn_momentum``; ``e_bn_first`` and
    ``bn_momentum``; ``d_features`` and ``d_joint_hidden``)."""
    kw = {"base": config["base"], "kernel": config["kernel"]}
    if role == "generator":
        return {**kw, "activation": config["g_activation"], "bn_momentum": config["bn_momentum"]}
    if role == "encoder":
        return {**kw, "bn_first": config["e_bn_first"], "bn_momentum": config["bn_momentum"]}
    if role == "discriminator":
        return {**kw, "features": config["d_features"], "joint_hidden": tuple(config["d_joint_hidden"])}
    raise ValueError(f"unknown DCGAN role {role!r}; known: generator, encoder, discriminator")


def for_config(config: dict, latent_dim: int) -> dict:
    """Generator and discriminator for ``config["network"]`` (``mlp`` or ``dcgan``) on its data set.

    Returned by constructor argument name. With ``pack`` = m the discriminator takes m samples at once:
    m·D inputs for an MLP, m·C channels for a DCGAN (PacGAN, Lin et al. 2018, arXiv:1712.04086).
    """
    from zoo.data import data_shape

    shape = data_shape(config["dataset"])
    pack = config["pack"]
    if config["network"] == "mlp":
        g = mlp(latent_dim, shape[0], config["g_hidden"], config["activation"], config["g_output"],
                name="generator")
        # ``d_activation`` lets D differ from G (Goerttler & Kloft Table 1: G ReLU, D tanh).
        d = mlp(pack * shape[0], 1, config["d_hidden"], config["d_activation"] or config["activation"],
                name="discriminator")
    elif config["network"] == "dcgan":
        g = dcgan_generator(latent_dim, shape, **dcgan_kwargs(config, "generator"))
        d = dcgan_discriminator((*shape[:-1], pack * shape[-1]), **dcgan_kwargs(config, "discriminator"))
    else:
        raise ValueError(f"unknown network {config['network']!r}; known: mlp, dcgan")
    return {"generator": g, "discriminator": d}
