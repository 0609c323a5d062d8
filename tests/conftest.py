"""Shared test setup: quiet TF logs, two logical CPU devices (for the tf.distribute test), small seeds."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

# Two logical CPUs let a MirroredStrategy test compare 1 and 2 replicas on a CPU-only machine.
# This must run before TensorFlow initialises its devices, hence here and not in a fixture.
_cpus = tf.config.list_physical_devices("CPU")
try:
    tf.config.set_logical_device_configuration(
        _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
except RuntimeError:  # devices already initialised by an earlier import
    pass
