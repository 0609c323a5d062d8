"""Build hook: put the shipped checkpoints into the wheel as package data (``zoo/checkpoints/``).

Everything else is declared in ``setup.cfg``. The published checkpoints live in ``checkpoints/`` at the
root of the checkout, outside any package, and most of them (207 MB of image models) are meant to come
from the Hugging Face Hub. This hook copies into ``zoo/checkpoints/`` of the built package:

* ``mnist_classifier`` (the pinned evaluation classifier; every MNIST metric needs it), and
* every registry entry on a Gaussian mixture whose model files total at most ``SHIP_MAX_BYTES``
  (the BiGAN-based mixture entries, 19 MB each, are left to the Hub).

Only the files ``SHA256SUMS`` lists, and ``SHA256SUMS`` itself, are copied, and each is checked against
the registry (``zoo/manifest.json``) or the sums first, so a wheel never ships altered weights. Editable
installs read ``checkpoints/`` of the checkout directly and copy nothing. Build wheels from a checkout
(``python -m pip wheel --no-deps -w dist .``): an sdist does not carry ``checkpoints/``.
"""
import hashlib
import json
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIP_DATASETS = ("ring8", "grid25", "grid25_aniso", "cube27")
SHIP_MAX_BYTES = 4 << 20
ALWAYS = ("mnist_classifier",)


def _sums(folder: Path) -> dict:
    pairs = (line.split(None, 1) for line in (folder / "SHA256SUMS").read_text().splitlines() if line.strip())
    return {name.strip().lstrip("*"): digest for digest, name in pairs}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shipped_entries(root: Path = ROOT) -> list[str]:
    """Names of the checkpoint folders the wheel ships (see the module docstring)."""
    manifest = json.loads((root / "zoo" / "manifest.json").read_text())
    names = [n for n in ALWAYS if (root / "checkpoints" / n / "SHA256SUMS").is_file()]
    for name, entry in sorted(manifest.items()):
        folder = root / "checkpoints" / name
        if entry.get("dataset") not in SHIP_DATASETS or not (folder / "SHA256SUMS").is_file():
            continue
        if sum((folder / f).stat().st_size for f in _sums(folder)) <= SHIP_MAX_BYTES:
            names.append(name)
    return names


class BuildWithCheckpoints(build_py):
    """``build_py`` that also copies the shipped checkpoints (verified) into ``zoo/checkpoints/``."""

    def run(self):
        """Build the packages, then add the checkpoints (not for editable installs)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not (ROOT / "checkpoints").is_dir():
            # A build from an sdist (which leaves checkpoints/ out): the wheel then has no shipped entries
            # and no MNIST classifier, so say so instead of failing later at evaluation time.
            print("warning: no checkpoints/ folder: the wheel ships no checkpoints (build it from a checkout)",
                  file=sys.stderr)
            return
        manifest = json.loads((ROOT / "zoo" / "manifest.json").read_text())
        target = Path(self.build_lib) / "zoo" / "checkpoints"
        shutil.rmtree(target, ignore_errors=True)  # a stale build/ must not leak old entries into the wheel
        for name in shipped_entries():
            src, dest = ROOT / "checkpoints" / name, target / name
            sums = _sums(src)
            expected = {**sums, **manifest.get(name, {}).get("files", {})}
            for file, digest in expected.items():
                if _sha256(src / file) != digest or sums.get(file, digest) != digest:
                    raise SystemExit(f"error: checkpoints/{name}/{file} does not match its registry sha256; "
                                     f"refusing to build a wheel with altered weights")
            dest.mkdir(parents=True)
            for file in [*sums, "SHA256SUMS"]:
                shutil.copyfile(src / file, dest / file)


if __name__ == "__main__":  # setuptools runs this file as __main__; tests import shipped_entries only
    setup(cmdclass={"build_py": BuildWithCheckpoints})
