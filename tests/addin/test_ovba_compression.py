"""MS-OVBA 2.4.1 compression, checked against an independent decompressor (oletools)."""

import os
import random
import struct

import pytest
from hypothesis import given, settings, strategies as st
from oletools.olevba import decompress_stream

from addin.addin_build import compress, decompress


def _text(n: int) -> bytes:
    """VBA-like text: repetitive enough to use copy tokens of every width."""
    line = b'    RunPython "import addin.ribbon; addin.ribbon.run(\'refresh\')"\r\n'
    words = [b"Dim ", b"As String", b"End Sub\r\n", b"If x Then ", b"' note\r\n", line]
    rng = random.Random(n)
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words)
    return bytes(out[:n])


def _expected(data: bytes, container: bytes) -> bytes:
    """What the container must decompress to.

    The spec stores an incompressible chunk raw, always 4096 bytes: a short last
    chunk stored raw is padded with zeros (2.4.1.3.10). Source text never hits
    this (it always compresses), random bytes can.
    """
    pos, chunks = 1, []
    while pos < len(container):
        header = struct.unpack_from("<H", container, pos)[0]
        chunks.append(header)
        pos += (header & 0x0FFF) + 3
    if chunks and not chunks[-1] & 0x8000 and len(data) % 4096:
        return data + b"\0" * (4096 - len(data) % 4096)
    return data


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 10_000])
@pytest.mark.parametrize("kind", ["text", "random", "zeros"])
def test_round_trip_at_chunk_boundaries(size, kind):
    data = {"text": _text(size), "random": os.urandom(size), "zeros": b"\0" * size}[kind]
    container = compress(data)
    assert container[0] == 1
    assert decompress_stream(bytearray(container)) == _expected(data, container)
    assert decompress(container) == _expected(data, container)


def test_text_compresses_and_uses_long_copy_tokens():
    data = _text(10_000)
    container = compress(data)
    assert len(container) < len(data) // 3
    # three chunks: 4096 + 4096 + 1808, each flagged compressed
    pos, sizes = 1, []
    while pos < len(container):
        header = struct.unpack_from("<H", container, pos)[0]
        assert header & 0x8000 and (header >> 12) & 0b111 == 0b011
        sizes.append((header & 0x0FFF) + 3)
        pos += sizes[-1]
    assert len(sizes) == 3 and pos == len(container)


def test_empty_input_is_signature_only():
    assert compress(b"") == b"\x01"


# [MS-OVBA] 3.2.1 and 3.2.2: the spec's own examples, byte for byte.
SPEC_EXAMPLES = [
    (b"abcdefghijklmnopqrstuv.", "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E"),
    (
        b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
        "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20"
        " 6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C",
    ),
]


@pytest.mark.parametrize("plain, packed", SPEC_EXAMPLES)
def test_spec_examples(plain, packed):
    packed = bytes.fromhex(packed.replace(" ", ""))
    assert compress(plain) == packed
    assert decompress(packed) == plain


def test_rejects_a_bad_signature():
    with pytest.raises(ValueError):
        decompress(b"\x02\x00\x00")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=9000))
def test_round_trip_random(data):
    container = compress(data)
    assert decompress_stream(bytearray(container)) == _expected(data, container)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"ab", b"abc", b"Sub ", b"\r\n", b"xyz" * 40]), max_size=3000))
def test_round_trip_repetitive(pieces):
    data = b"".join(pieces)
    container = compress(data)
    assert decompress_stream(bytearray(container)) == _expected(data, container)
    assert decompress(container) == _expected(data, container)
