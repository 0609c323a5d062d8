"""The wheel (issue #15): which checkpoints it ships, and (slow) the CI step that builds it, installs it
into a fresh venv and trains and evaluates from an empty folder outside the checkout."""
import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _setup_module():
    spec = importlib.util.spec_from_file_location("mode_zoo_setup", REPO / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not __main__: defines the build hook without running setup()
    return module


def test_the_wheel_ships_the_classifier_and_the_small_mixture_entries_only():
    setup = _setup_module()
    shipped = setup.shipped_entries()
    manifest = json.loads((REPO / "zoo" / "manifest.json").read_text())
    assert "mnist_classifier" in shipped
    for name, entry in manifest.items():
        folder = REPO / "checkpoints" / name
        size = sum((folder / f).stat().st_size for f in setup._sums(folder))
        small_mixture = entry["dataset"] in setup.SHIP_DATASETS and size <= setup.SHIP_MAX_BYTES
        assert (name in shipped) == small_mixture, (name, entry["dataset"], size)
    assert not any(manifest[n]["dataset"] in ("mnist", "stacked_mnist") for n in shipped if n in manifest)
    folders = [REPO / "checkpoints" / n for n in shipped]
    total = sum((folder / f).stat().st_size for folder in folders for f in setup._sums(folder))
    assert total < 40 << 20  # the 207 MB of image checkpoints stay on the Hub


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("MODE_ZOO_WHEEL_CHECKED") == "1",
                    reason=".ci/run ran .ci/wheel_check as its own step just before the tests")
def test_the_installed_wheel_works_outside_the_checkout():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MODE_ZOO_CHECKPOINTS")}
    r = subprocess.run([str(REPO / ".ci" / "wheel_check")], cwd=REPO, env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    assert "wheel check: OK" in r.stdout
