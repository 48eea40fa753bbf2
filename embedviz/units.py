"""Sizes in bytes, written one way on every page.

MB means 10⁶ bytes (kB 10³, GB 10⁹), as in lesson 2's cost model and lesson 8's tables:
every page that shows a size formats it with :func:`show_bytes` and names the unit once
with :data:`MB_NOTE`.
"""

from __future__ import annotations

MB = 10**6
MB_NOTE = "1 MB = 10⁶ bytes"
_UNITS = (("GB", 10**9), ("MB", 10**6), ("kB", 10**3))


def megabytes(nbytes: float) -> float:
    """Bytes in MB (10⁶ bytes)."""
    return nbytes / MB


def show_bytes(nbytes: float, digits: int = 1) -> str:
    """``46,881,792`` -> ``"46.9 MB"``: the largest unit the size reaches, or bytes."""
    for unit, size in _UNITS:
        if abs(nbytes) >= size:
            return f"{nbytes / size:,.{digits}f} {unit}"
    return f"{nbytes:,.0f} bytes"
