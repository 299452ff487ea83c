"""autograd.datasets.idx: the IDX reader, gzipped or raw, and its errors."""

import gzip
import struct

import numpy as np
import pytest

from autograd import datasets as ds
from tests.datasets.helpers import idx_bytes


def test_read_idx_gz_and_raw(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(arr)))
    (tmp_path / "a").write_bytes(idx_bytes(arr))
    # The gzip check looks at the content, so a gunzipped file still named .gz works.
    (tmp_path / "b.gz").write_bytes(idx_bytes(arr))
    for name in ("a.gz", "a", "b.gz"):
        out = ds.read_idx(tmp_path / name, ds.IDX_IMAGES_MAGIC)
        assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
        np.testing.assert_array_equal(out, arr)
        assert out.flags.writeable


def test_read_idx_big_endian_int32(tmp_path):
    vals = np.array([1, -2, 70000], dtype=">i4")
    data = struct.pack(">I", 0x0C01) + struct.pack(">I", 3) + vals.tobytes()
    (tmp_path / "x").write_bytes(data)
    out = ds.read_idx(tmp_path / "x")
    assert out.dtype.isnative
    assert out.tolist() == [1, -2, 70000]


def test_read_idx_bad_magic(tmp_path):
    labels = np.arange(5, dtype=np.uint8)
    f = tmp_path / "labels.gz"
    f.write_bytes(gzip.compress(idx_bytes(labels)))
    with pytest.raises(ds.IDXFormatError, match=r"labels\.gz.*bad magic.*0x00000801.*0x00000803"):
        ds.read_idx(f, ds.IDX_IMAGES_MAGIC)
    g = tmp_path / "junk"
    g.write_bytes(b"\x12\x34\x08\x01" + b"\0" * 8)
    with pytest.raises(ds.IDXFormatError, match="junk.*not an IDX file"):
        ds.read_idx(g)


@pytest.mark.parametrize("cut", [2, 10, 30])
def test_read_idx_truncated(tmp_path, cut):
    data = idx_bytes(np.zeros((2, 4, 4), dtype=np.uint8))
    f = tmp_path / "short-idx3"
    f.write_bytes(data[:cut])
    with pytest.raises(ds.IDXFormatError, match="short-idx3.*truncated"):
        ds.read_idx(f)


def test_read_idx_truncated_gzip_and_trailing_bytes(tmp_path):
    data = idx_bytes(np.arange(100, dtype=np.uint8))
    f = tmp_path / "cut.gz"
    f.write_bytes(gzip.compress(data)[:-10])
    with pytest.raises(ds.IDXFormatError, match=r"cut\.gz.*gzip"):
        ds.read_idx(f)
    g = tmp_path / "long"
    g.write_bytes(data + b"xx")
    with pytest.raises(ds.IDXFormatError, match="long.*2 unexpected bytes"):
        ds.read_idx(g)
