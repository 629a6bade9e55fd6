"""Initializers written to an ONNX external-data file as they are made, so a 2 GB model is never held in memory
whole (onnx.save with save_as_external_data would first need every weight inside the ModelProto)."""
import os
from typing import BinaryIO

import numpy as np
import onnx
from onnx import mapping, numpy_helper

ALIGN = 4096  # onnxruntime maps external data in pages; aligned offsets let it map each tensor in place
INLINE_BELOW = 1024  # bytes: small constants stay in the graph, as onnx.save's size threshold keeps them


class ExternalData:
    """Appends tensors to `<onnx path>_data` (optimum's and transformers.js's name) and returns TensorProtos that
    point at them. Use as a context manager around building one graph."""

    def __init__(self, onnx_path: str) -> None:
        self.location = os.path.basename(onnx_path) + "_data"
        self.path = os.path.join(os.path.dirname(onnx_path), self.location)
        self.file: BinaryIO | None = None
        self.offset = 0

    def __enter__(self) -> "ExternalData":
        self.file = open(self.path, "wb")
        return self

    def __exit__(self, *_: object) -> None:
        assert self.file is not None
        self.file.close()

    def tensor(self, name: str, array: np.ndarray) -> onnx.TensorProto:
        """The array as an initializer: inline when tiny, else appended to the data file."""
        array = np.ascontiguousarray(array)
        if array.nbytes < INLINE_BELOW:
            return numpy_helper.from_array(array, name)
        assert self.file is not None, "ExternalData is used as a context manager"
        pad = -self.offset % ALIGN
        self.file.write(b"\0" * pad)
        self.offset += pad
        proto = onnx.TensorProto(name=name, data_type=mapping.NP_TYPE_TO_TENSOR_TYPE[array.dtype], dims=array.shape)
        for key, value in (("location", self.location), ("offset", self.offset), ("length", array.nbytes)):
            proto.external_data.add(key=key, value=str(value))
        proto.data_location = onnx.TensorProto.EXTERNAL
        self.file.write(array.tobytes())
        self.offset += array.nbytes
        return proto
