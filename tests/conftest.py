"""Shared test setup: quiet TF logs, two logical CPU devices (for the tf.distribute test), small seeds."""
import atexit
import os
import shutil
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Tests never read or fill the user's evaluation cache (~/.cache/mode-zoo): a stale entry there could
# hide a bug, and test data (substituted MNIST pools) has no business in it.
os.environ["MODE_ZOO_CACHE"] = tempfile.mkdtemp(prefix="mode-zoo-test-cache-")
atexit.register(shutil.rmtree, os.environ["MODE_ZOO_CACHE"], True)

import tensorflow as tf  # noqa: E402

# Two logical CPUs let a MirroredStrategy test compare 1 and 2 replicas on a CPU-only machine.
# This must run before TensorFlow initialises its devices, hence here and not in a fixture.
_cpus = tf.config.list_physical_devices("CPU")
try:
    tf.config.set_logical_device_configuration(
        _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
except RuntimeError:  # devices already initialised by an earlier import
    pass
