"""The embedding table itself: a real ``torch.nn.Embedding`` (lesson 1).

An embedding layer is a ``vocab_size x dim`` matrix of learnable numbers. Looking up token
ID ``i`` returns row ``i``; a sentence of ``seq_len`` IDs becomes a ``seq_len x dim`` matrix.
``padding_idx`` names the ``[PAD]`` row: PyTorch keeps it at zero and never gives it a
gradient, so padding adds nothing to what the model learns.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from embedviz.seeding import torch_generator
from embedviz.text import PAD_ID

INITS = {
    "default": "PyTorch's default: N(0, 1)",
    "uniform": "uniform U(-a, a)",
    "normal": "normal N(0, sigma)",
}
MIN_DIM, MAX_DIM = 1, 1024


@dataclass(frozen=True)
class EmbeddingConfig:
    vocab_size: int
    dim: int = 8
    init: str = "default"  # a key of INITS
    scale: float = 0.1  # `a` for uniform, `sigma` for normal; unused by "default"
    seed: int = 0
    padding_idx: int | None = PAD_ID
    sparse: bool = False


def init_weights_(weight: torch.Tensor, init: str, scale: float, seed: int) -> torch.Tensor:
    """Fill ``weight`` in place from a private generator seeded with ``seed``."""
    g = torch_generator(seed)
    with torch.no_grad():
        if init == "default":
            nn.init.normal_(weight, 0.0, 1.0, generator=g)  # what nn.Embedding does
        elif init == "uniform":
            nn.init.uniform_(weight, -scale, scale, generator=g)
        elif init == "normal":
            nn.init.normal_(weight, 0.0, scale, generator=g)
        else:
            raise ValueError(f"unknown initialisation {init!r}; choose one of {list(INITS)}")
    return weight


def make_embedding(cfg: EmbeddingConfig) -> nn.Embedding:
    """A seeded ``nn.Embedding``; the same config gives the same matrix, bit for bit."""
    if cfg.vocab_size < 1:
        raise ValueError("the vocabulary needs at least one token")
    if not MIN_DIM <= cfg.dim <= MAX_DIM:
        raise ValueError(f"the dimension must be between {MIN_DIM} and {MAX_DIM}")
    if cfg.init != "default" and not cfg.scale > 0:
        raise ValueError("the initialisation scale must be positive")
    emb = nn.Embedding(cfg.vocab_size, cfg.dim, padding_idx=cfg.padding_idx, sparse=cfg.sparse)
    init_weights_(emb.weight, cfg.init, cfg.scale, cfg.seed)
    if cfg.padding_idx is not None:
        with torch.no_grad():
            emb.weight[cfg.padding_idx].zero_()  # as nn.Embedding.reset_parameters does
    return emb


@torch.no_grad()
def lookup(emb: nn.Embedding, ids: list[int]) -> torch.Tensor:
    """The forward pass of the layer: ``(seq_len,)`` IDs -> ``(seq_len, dim)`` vectors."""
    return emb(torch.as_tensor(ids, dtype=torch.long))
