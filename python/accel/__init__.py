# SPDX-License-Identifier: MIT
"""libaccel from Python: run ONNX models on an ENPU NPU or the CPU.

    import accel, numpy as np
    ctx = accel.Context()                    # device='auto' | 'cpu' | 'npu'
    model = ctx.load("model.onnx")
    print(model.inputs)                      # [(name, dtype, shape)], None = symbolic
    (logits,) = model.run(np.zeros((1, 1, 8, 8), np.float32))

Inputs go by position (a list), by name (a dict) or, for a one-input
model, as one array; an array that is C-contiguous and of the model's
dtype is read in place, without a copy.  Outputs are NumPy arrays that own
the buffers libaccel filled.  model.submit(inputs, user_data) starts a run
and ctx.wait() returns [(user_data, outputs, error)] as runs complete.
libaccel's failures raise accel.Error (subclasses ModelError, ShapeError,
DeviceError, UnsupportedError) carrying libaccel's message and .errno.
"""
from ._accel import (Context, DeviceError, Error, Model, ModelError,
                     ShapeError, UnsupportedError, devices, libaccel_version)

__version__ = libaccel_version
__all__ = ["Context", "Model", "Error", "ModelError", "ShapeError",
           "DeviceError", "UnsupportedError", "devices", "load", "run"]


def load(path, **context_options):
    """Open a Context with context_options and load one model from it."""
    return Context(**context_options).load(path)


def run(path, inputs, **context_options):
    """Load path and run it once on inputs: the outputs as a list."""
    return load(path, **context_options).run(inputs)
