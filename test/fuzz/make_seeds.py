#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (test/fuzz/corpus/{idx,gzip,checkpoint}/): tiny valid files and
typical damaged ones, a few hundred bytes at most, so that fuzzing starts from every branch of the
readers. The output is committed; run this again only to change the seeds:
    python3 test/fuzz/make_seeds.py
"""
import gzip
import os
import shutil
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def gz(data, name=None, level=6):
    # Deterministic: mtime 0; FNAME set by hand when wanted (gzip.compress never sets it).
    body = zlib.compressobj(level, zlib.DEFLATED, -15)
    deflated = body.compress(data) + body.flush()
    flags = 0x08 if name else 0
    head = bytes([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3])
    if name:
        head += name.encode() + b"\0"
    return head + deflated + struct.pack("<II", zlib.crc32(data), len(data) & 0xffffffff)


def idx(dims, data, type_=0x08):
    return bytes([0, 0, type_, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def ckpt_payload(meta, tensors):
    out = struct.pack("<I", len(meta))
    for k, v in meta:
        out += struct.pack("<I", len(k)) + k + struct.pack("<I", len(v)) + v
    out += struct.pack("<I", len(tensors))
    for name, shape, values in tensors:
        out += struct.pack("<I", len(name)) + name + struct.pack("<I", len(shape))
        out += b"".join(struct.pack("<Q", d) for d in shape)
        out += b"".join(struct.pack("<f", v) for v in values)
    return out


def ckpt_file(payload, version=1, crc=None, size=None):
    crc = zlib.crc32(payload) if crc is None else crc
    size = len(payload) if size is None else size
    return b"CTGCKPT\0" + struct.pack("<IIQ", version, crc, size) + payload


def write(kind, files):
    d = os.path.join(HERE, "corpus", kind)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in files.items():
        assert len(data) <= 512, (kind, name, len(data))
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


images = idx([2, 3, 3], range(18))
labels = idx([10], [i % 10 for i in range(10)])
write("idx", {
    "valid_images": images,
    "valid_labels": labels,
    "valid_matrix": idx([4, 5], range(20)),
    "valid_empty_dim": idx([0, 28, 28], []),
    "valid_images.gz": gz(images, "t10k-images-idx3-ubyte"),
    "valid_labels.gz": gz(labels),
    "two_members.gz": gz(images[:7]) + gz(images[7:]),
    "empty": b"",
    "magic_only": bytes([0, 0, 8, 3]),
    "truncated_header": idx([2, 3, 3], [])[:9],
    "truncated_data": idx([2, 3, 3], range(10)),
    "trailing_bytes": idx([10], range(12)),
    "int_elements": idx([4], range(16), type_=0x0c),
    "zero_rank": idx([], []),
    "dims_overflow": idx([0xffffffff, 0xffffffff, 0xffffffff], []),
    "dims_over_limit": idx([60000, 28, 28], range(8)),
    "gzip_then_garbage.gz": gz(labels) + b"garbage",
    "truncated.gz": gz(images)[:20],
    "double.gz": gz(gz(labels)),
})

data = bytes(range(64)) * 2
write("gzip", {
    "valid": gz(data),
    "valid_named": gz(b"hello, ctgrad\n", "hello.txt"),
    "valid_stored": gz(data, level=0),
    "empty_member": gz(b""),
    "two_members": gz(b"abc") + gz(b"def"),
    "zeros_bomb": gz(bytes(4096), level=9),
    "truncated": gz(data)[:25],
    "trailer_cut": gz(data)[:-3],
    "bad_crc": gz(data)[:-8] + b"\0\0\0\0" + gz(data)[-4:],
    "bad_length": gz(data)[:-4] + b"\xff\xff\xff\x7f",
    "trailing_garbage": gz(data) + b"xyz",
    "magic_only": b"\x1f\x8b",
    "bad_method": b"\x1f\x8b\x07\0\0\0\0\0\0\3" + b"\0" * 10,
    "not_gzip": b"plain text, not compressed\n",
})

valid = ckpt_payload([(b"epoch", b"3"), (b"model", b"mlp-784-128-10")],
                     [(b"W", [2, 3], [0.5, -1.0, 2.0, 0.0, float("inf"), -0.0]),
                      (b"b", [3], [1.0, 2.0, 3.0]),
                      (b"s", [], [float("nan")])])
empty = ckpt_payload([], [])
# Mode byte 0: the rest is the whole file; mode byte 1: the rest is a payload, the harness adds
# the header (see checkpoint_fuzzer.cpp).
write("checkpoint", {
    "file_valid": b"\0" + ckpt_file(valid),
    "file_empty": b"\0" + ckpt_file(empty),
    "file_wrong_magic": b"\0" + b"CTGCKPU\0" + ckpt_file(valid)[8:],
    "file_version_2": b"\0" + ckpt_file(valid, version=2),
    "file_version_0": b"\0" + ckpt_file(valid, version=0),
    "file_bad_crc": b"\0" + ckpt_file(valid, crc=0x12345678),
    "file_truncated": b"\0" + ckpt_file(valid)[:40],
    "file_header_only": b"\0" + ckpt_file(valid)[:20],
    "file_size_too_big": b"\0" + ckpt_file(valid, size=1 << 40),
    "payload_valid": b"\1" + valid,
    "payload_empty": b"\1" + empty,
    "payload_zero_size_tensor": b"\1" + ckpt_payload([], [(b"z", [0, 5], [])]),
    "payload_cut": b"\1" + valid[:-5],
    "payload_trailing": b"\1" + valid + b"\0",
    "payload_many_tensors": b"\1" + struct.pack("<II", 0, 0xffffffff),
    "payload_huge_shape": b"\1" + struct.pack("<II", 0, 1) + struct.pack("<I", 1) + b"h"
                          + struct.pack("<IQQ", 2, 1 << 40, 1 << 40),
    "payload_huge_string": b"\1" + struct.pack("<II", 1, 0xfffffff0),
    # Found by fuzz_checkpoint (test/io/checkpoint_test.cpp has it as a Boost.Test case too):
    # one rank-0 tensor with an empty name, once accepted by read_checkpoint.
    "regression_empty_tensor_name": b"\1" + struct.pack("<IIIII", 0, 1, 0, 0, 0),
})
