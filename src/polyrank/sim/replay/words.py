"""32-byte EVM words over Arrow columns, for the chain replay's log index (logs.py): `0x` hex
strings decoded straight from Arrow buffers into byte arrays, and those bytes as four
big-endian uint64 words, which compare and sort like the topics they are."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def flat(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One Arrow array from a column, chunked or not."""
    if isinstance(col, pa.ChunkedArray):
        return col.combine_chunks() if col.num_chunks else pa.array([], col.type)
    return col


def hex_bytes(col: pa.Array | pa.ChunkedArray, nbytes: int) -> np.ndarray:
    """`0x`-hex strings of `nbytes` bytes as an (n, nbytes) uint8 array, decoded straight from
    the Arrow buffer; values of another shape (a hand-made world's) are read one by one, as
    numbers (left-padded; empty or null: zero)."""
    if isinstance(col, pa.ChunkedArray) and col.num_chunks > 1:
        return np.concatenate([hex_bytes(c, nbytes) for c in col.chunks])
    arr = flat(col)
    n, width = len(arr), 2 + 2 * nbytes
    if n and not arr.null_count and arr.type in (pa.string(), pa.large_string()):
        wide = np.int64 if arr.type == pa.large_string() else np.int32
        offsets = np.frombuffer(arr.buffers()[1], wide)[arr.offset:arr.offset + n + 1]
        if (np.diff(offsets) == width).all():
            raw = np.frombuffer(arr.buffers()[2], np.uint8)[offsets[0]:offsets[-1]]
            try:
                decoded = bytes.fromhex(raw.reshape(n, width)[:, 2:].tobytes().decode())
            except (ValueError, UnicodeDecodeError):
                pass  # not hex: one by one, below
            else:
                return np.frombuffer(decoded, np.uint8).reshape(n, nbytes)
    out = np.zeros((n, nbytes), np.uint8)
    for i, value in enumerate(arr.to_pylist()):
        if value and value not in ("0x", "0X"):
            out[i] = np.frombuffer(int(value, 16).to_bytes(nbytes, "big"), np.uint8)
    return out


def words(b32: np.ndarray) -> np.ndarray:
    """(n, 32) bytes as (n, 4) big-endian uint64 words (a topic or hash, comparable)."""
    return np.ascontiguousarray(b32).view(">u8").astype(np.uint64)


def address_words(col) -> np.ndarray:
    """Addresses as topic words: the 20 bytes left-padded to 32."""
    b20 = hex_bytes(col, 20)
    return words(np.concatenate([np.zeros((len(b20), 12), np.uint8), b20], axis=1))


def value_words(value: int) -> np.ndarray:
    mask = (1 << 64) - 1
    return np.array([(value >> s) & mask for s in (192, 128, 64, 0)], np.uint64)


def const_words(value: str, n: int) -> np.ndarray:
    return np.broadcast_to(value_words(int(value, 16)), (n, 4))


def words_hex(w: np.ndarray) -> list[str]:
    """(n, 4) words back to `0x` + 64 hex strings."""
    text = w.astype(">u8").tobytes().hex()
    return ["0x" + text[i:i + 64] for i in range(0, len(text), 64)]
