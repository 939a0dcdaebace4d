#!/usr/bin/env python3
"""Writes the .npy test fixtures under src/test/resources/npy with numpy (dev-only; tests need no Python).

Every valid fixture holds value(i, j) = 10*i + j + 0.5 (integers: 10*i + j), so the Java tests compute
the expected values from that formula, independently of any reader.
"""
import os
import numpy as np
from numpy.lib import format as npf

out = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "npy")
os.makedirs(out, exist_ok=True)


def grid(m, n, dtype, frac=0.5):
    i, j = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    return (10 * i + j + frac).astype(dtype)


def save(name, arr, version=None):
    with open(os.path.join(out, name), "wb") as f:
        npf.write_array(f, arr, version=version, allow_pickle=False)


save("f8_c_3x4.npy", grid(3, 4, "<f8"))
save("f8_fortran_3x4.npy", np.asfortranarray(grid(3, 4, "<f8")))
save("f8_big_endian_3x4.npy", grid(3, 4, ">f8"))
save("f4_c_3x4.npy", grid(3, 4, "<f4"))
save("i4_c_3x4.npy", grid(3, 4, "<i4", 0))
save("i8_big_endian_3x4.npy", grid(3, 4, ">i8", 0))
save("f8_1d_5.npy", grid(5, 1, "<f8")[:, 0].copy())
save("f8_0d.npy", np.array(2.5))
save("f8_v2_3x4.npy", grid(3, 4, "<f8"), version=(2, 0))
save("f8_v3_3x4.npy", grid(3, 4, "<f8"), version=(3, 0))
save("f8_empty_0x3.npy", np.zeros((0, 3)))
# what NpyFile.write must reproduce byte for byte: Fortran order, and a 1-D vector
save("expected_write_fortran_3x4.npy", np.asfortranarray(grid(3, 4, "<f8")))
save("expected_write_vector_5.npy", grid(5, 1, "<f8")[:, 0].copy())

# bad files
save("bad_complex.npy", grid(2, 2, "<c16"))
save("bad_structured.npy", np.zeros(3, dtype=[("a", "<f8"), ("b", "<i4")]))
save("bad_3d.npy", np.zeros((2, 2, 2)))
save("bad_bool.npy", np.zeros((2, 2), dtype=bool))
good = open(os.path.join(out, "f8_c_3x4.npy"), "rb").read()
open(os.path.join(out, "bad_truncated.npy"), "wb").write(good[:-8])
open(os.path.join(out, "bad_trailing.npy"), "wb").write(good + b"\0" * 8)
open(os.path.join(out, "bad_magic.npy"), "wb").write(b"\x93NUMPX" + good[6:])
open(os.path.join(out, "bad_version.npy"), "wb").write(good[:6] + b"\x04\x00" + good[8:])
# a header claiming 10^12 x 10^12 elements in a tiny file: must fail before any allocation
hdr = good[10:good.index(b"\n") + 1].decode("latin1").replace("(3, 4)", "(1000000000000, 1000000000000)")
hdr = hdr[:-1].ljust(len(good[10:good.index(b"\n")]), " ") + "\n"
open(os.path.join(out, "bad_absurd_shape.npy"), "wb").write(good[:8] + len(hdr).to_bytes(2, "little") + hdr.encode("latin1") + good[10 + len(hdr):])
# header text that is not a dictionary
bad = good[10:good.index(b"\n")].decode("latin1").replace("{'descr'", "[['descr'")
open(os.path.join(out, "bad_header_syntax.npy"), "wb").write(good[:10] + bad.encode("latin1") + good[good.index(b"\n"):])
print("wrote", len(os.listdir(out)), "files to", out)
