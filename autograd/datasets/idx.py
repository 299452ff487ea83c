"""The IDX file format of MNIST: a magic number, the shape, then the raw array."""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

__all__ = ["IDX_IMAGES_MAGIC", "IDX_LABELS_MAGIC", "IDXFormatError", "read_idx"]

IDX_IMAGES_MAGIC = 0x00000803
IDX_LABELS_MAGIC = 0x00000801

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IDXFormatError(ValueError):
    """An IDX file is malformed: wrong magic number, truncated, or bad gzip data."""


def _read_bytes(path):
    path = Path(path)
    with open(path, "rb") as f:
        data = f.read()
    # Check the gzip magic bytes rather than the file name: people often
    # gunzip a file and keep its name, or the other way round.
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise IDXFormatError(f"{path}: corrupt or truncated gzip data ({e})") from e


def read_idx(path, expected_magic=None):
    """Read an IDX file, gzipped or raw, into a numpy array in native byte order.

    ``expected_magic`` (e.g. ``0x00000803`` for images, ``0x00000801`` for labels)
    makes the reader refuse any other kind of file. Raises :class:`IDXFormatError`
    naming the file if the header is wrong or the data is too short or too long.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise IDXFormatError(f"{path}: truncated IDX file ({len(data)} bytes, no header)")
    (magic,) = struct.unpack(">I", data[:4])
    if expected_magic is not None and magic != expected_magic:
        raise IDXFormatError(
            f"{path}: bad magic number 0x{magic:08x}, expected 0x{expected_magic:08x}"
        )
    dtype = _IDX_DTYPES.get((magic >> 8) & 0xFF)
    if magic >> 16 != 0 or dtype is None:
        raise IDXFormatError(f"{path}: bad magic number 0x{magic:08x}, not an IDX file")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXFormatError(f"{path}: truncated IDX header ({len(data)} < {header} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(data) - header
    if got < expected:
        raise IDXFormatError(
            f"{path}: truncated IDX data: header says {shape} ({expected} bytes), "
            f"file holds {got}"
        )
    if got > expected:
        # Extra bytes mean the header and data don't match, so the file is bad.
        raise IDXFormatError(f"{path}: {got - expected} unexpected bytes after IDX data")
    arr = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    # astype makes a writable copy in native byte order. numpy ops on big-endian
    # arrays are slow.
    return arr.astype(dtype.newbyteorder("="), copy=True).reshape(shape)
