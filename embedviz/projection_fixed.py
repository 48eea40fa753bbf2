"""A 2D view of a moving embedding space that stays still itself (lesson 3).

If the PCA were refitted at every step, its axes would turn and flip as the table changes,
and the points would move even when training did not move them. So the basis (the mean and
the two principal directions) is fitted once, on a reference snapshot, and reused for every
later step and for replay: a point moves on screen only because its vector moved. The
student refits it on request, for example once the groups have formed.

When the table has exactly two dimensions there is nothing to project: the view shows the
raw coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedviz.projection import pca_basis


@dataclass(frozen=True)
class FixedBasis:
    mean: np.ndarray  # (dim,) subtracted before projecting
    components: np.ndarray  # (2, dim) the two directions drawn as x and y
    explained: tuple[float, float]  # share of the reference's variance along each axis
    fitted_at: int  # the training step of the reference snapshot
    raw: bool = False  # dim == 2: the axes are the table's own two columns

    def project(self, matrix: np.ndarray) -> np.ndarray:
        """(n, dim) -> (n, 2) coordinates in this fixed view."""
        return (np.asarray(matrix, dtype=np.float64) - self.mean) @ self.components.T

    def axis_titles(self) -> tuple[str, str]:
        if self.raw:
            return "dimension 0 (raw)", "dimension 1 (raw)"
        ex, ey = self.explained
        at = f"fit at step {self.fitted_at}"
        return f"PC1 ({ex:.0%} of variance, {at})", f"PC2 ({ey:.0%})"


def fit_fixed_basis(matrix: np.ndarray, rows: np.ndarray, step: int) -> FixedBasis:
    """Fit the 2D PCA basis on ``matrix[rows]`` (the words drawn; [PAD]/[UNK] left out)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    dim = matrix.shape[1]
    if dim == 2:
        return FixedBasis(np.zeros(2), np.eye(2), (float("nan"),) * 2, step, raw=True)
    reference = matrix[rows]  # (n, dim)
    if len(reference) < 3 or not np.all(np.isfinite(reference)):
        return FixedBasis(np.zeros(dim), np.eye(2, dim), (0.0, 0.0), step)
    pca = pca_basis(reference, n_components=2)  # the same PCA as lesson 5's, signs fixed
    ex, ey = np.nan_to_num(pca.explained_variance_ratio)
    return FixedBasis(pca.mean, pca.components, (float(ex), float(ey)), step)


def grow_half_width(
    current: float | None, points: np.ndarray, must_show: np.ndarray | None = None,
    margin: float = 1.12, share: float = 95.0,
) -> float:
    """Half-width of a square view centred on 0; it grows, never shrinks, so the axes stay
    still and a spreading cloud is seen to spread.

    It holds ``share`` % of the ``points`` and every point of ``must_show`` (the labelled
    words): a few far-out rare words do not shrink the picture of everything else."""
    finite = np.abs(points[np.isfinite(points)])
    needed = float(np.percentile(finite, share)) if finite.size else 1.0
    if must_show is not None and np.isfinite(must_show).any():
        needed = max(needed, float(np.nanmax(np.abs(must_show[np.isfinite(must_show)]))))
    needed = max(needed * margin, 1e-3)
    return needed if current is None else max(current, needed)
