"""Quiet command lines: TensorFlow's C++ start-up lines and Keras' ignored-``shuffle`` warning hidden.

TensorFlow prints a few lines on every start (oneDNN, ``cudart_stub``/CUDA, ``cpu_feature_guard``) that
say nothing about the command being run. When a process is one of this project's command lines
(``python -m train.run``, ``python -m eval.*``, ``python -m zoo.hub``, ``python -m scripts.*``, ...),
:func:`quiet_cli` hides them before TensorFlow is first imported:

* ``TF_CPP_MIN_LOG_LEVEL=3`` is set, unless the user set it already (their value is kept);
* TensorFlow is imported with file descriptor 2 pointed at ``/dev/null``, because a few lines (oneDNN,
  ``cudart_stub``) are written by absl before TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL`` at all; this is
  done only when the effective level hides INFO lines (≥ 1). Python errors raised by the import are
  not affected (the descriptor is restored before they propagate);
* Keras' "``shuffle=True`` was passed, but will be ignored" UserWarning, which ``fit`` repeats for every
  ``tf.data`` input although the pipeline shuffles (seeded) itself, is filtered by its message only
  (here for the whole command; ``GAN.fit`` filters it inside each call, for library users too).

``--verbose`` on the command line (or ``TF_CPP_MIN_LOG_LEVEL=0``) shows everything. Nothing is changed
for a library user: ``import zoo`` from their own program or a notebook leaves TensorFlow's logging alone.

This module imports neither TensorFlow nor Keras: it must run before them.
"""
from __future__ import annotations

import os
import sys
import warnings

__all__ = ["PACKAGES", "SHUFFLE_WARNING", "launched_module", "quiet", "quiet_cli", "verbose_requested"]

#: Top-level packages whose ``python -m`` modules are this project's command lines.
PACKAGES = ("zoo", "train", "eval", "scripts")
#: Start of the message of Keras' ignored-``shuffle`` warning (a regular expression, matched at the start).
SHUFFLE_WARNING = r"`shuffle=True` was passed, but will be ignored"
# True once a command line of ours was started with --verbose (see quiet_cli).
_VERBOSE = False
# Interpreter options that take a separate argument (``python -X dev -m ...``).
_OPTIONS_WITH_ARGUMENT = ("-X", "-W", "--check-hash-based-pycs")


def launched_module(argv: list[str] | None = None) -> tuple[str | None, list[str]]:
    """``(module, its arguments)`` when the interpreter was started as ``python [options] -m MODULE ...``,
    else ``(None, [])``. ``argv`` defaults to ``sys.orig_argv`` (the interpreter's own command line)."""
    argv = list(getattr(sys, "orig_argv", []) if argv is None else argv)
    i = 1
    while i < len(argv):
        item = argv[i]
        if item == "-m":
            return (argv[i + 1], argv[i + 2:]) if i + 1 < len(argv) else (None, [])
        if item.startswith("-m") and not item.startswith("--"):
            return item[2:], argv[i + 1:]
        if not item.startswith("-") or item == "-c" or item == "-":
            return None, []  # a script, ``-c`` code or stdin: not one of our modules
        i += 2 if item in _OPTIONS_WITH_ARGUMENT else 1
    return None, []


def quiet(verbose: bool = False) -> bool:
    """Hide TensorFlow's start-up lines and Keras' shuffle warning (see the module docstring).

    Must be called before TensorFlow is imported to hide its start-up lines; the warning filter works
    at any time. Returns True when something was hidden, False with ``verbose``.
    """
    if verbose:
        return False
    warnings.filterwarnings("ignore", message=SHUFFLE_WARNING, category=UserWarning)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # a value the user set wins
    try:
        level = int(os.environ["TF_CPP_MIN_LOG_LEVEL"])
    except ValueError:
        level = 0
    if level >= 1 and "tensorflow" not in sys.modules:
        _import_tensorflow_silently()
    return True


def _import_tensorflow_silently() -> None:
    """Import TensorFlow with fd 2 on /dev/null (absl writes its first lines before any log level applies)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):
        return  # no usable stderr: nothing to protect
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        try:
            import tensorflow  # noqa: F401
        except ImportError:
            pass  # the real import later raises the same error, with stderr back in place
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def quiet_cli() -> bool:
    """Call :func:`quiet` when this process runs one of the project's command lines (``python -m`` of a
    module in :data:`PACKAGES`), honouring ``--verbose`` among its arguments; True when it did."""
    global _VERBOSE
    module, args = launched_module()
    if module is None or module.split(".")[0] not in PACKAGES:
        return False
    _VERBOSE = "--verbose" in args
    return quiet(verbose=_VERBOSE)


def verbose_requested() -> bool:
    """True when this process is one of our command lines started with ``--verbose``."""
    return _VERBOSE
