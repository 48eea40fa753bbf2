"""The one place that turns a seed into random number generators.

Streamlit serves every student from threads of one process, so the *global* RNGs
(``torch.manual_seed``, ``np.random.seed``) would be shared by all of them and one student's
click would change another's numbers. Everything random in embedviz takes a generator made
here instead: the same seed gives the same numbers, whoever else is using the app.
"""

from __future__ import annotations

import numpy as np
import torch

MAX_SEED = 2**31 - 1


def check_seed(seed: int) -> int:
    seed = int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"a seed is a whole number from 0 to {MAX_SEED}")
    return seed


def derived_seed(seed: int, offset: int) -> int:
    """Another stream from the same seed (``seed + offset``, wrapping at ``MAX_SEED``): a
    student's largest seed must work as well as 0."""
    return (check_seed(seed) + int(offset)) % (MAX_SEED + 1)


def torch_generator(seed: int) -> torch.Generator:
    """A private CPU generator for torch ops that take ``generator=``."""
    return torch.Generator().manual_seed(check_seed(seed))


def numpy_rng(seed: int) -> np.random.Generator:
    """A private NumPy generator."""
    return np.random.default_rng(check_seed(seed))
