"""One unit for sizes on every page: MB = 10⁶ bytes, formatted by embedviz.units, named once."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from embedviz import units

LESSONS = sorted((Path(__file__).parent.parent / "lessons").glob("*.py"))


def test_the_minilm_table_is_the_same_size_wherever_it_appears():
    table = torch.empty(30_522, 384, device="meta")  # torch says how many bytes, not us
    nbytes = table.numel() * table.element_size()
    assert units.show_bytes(nbytes) == "46.9 MB" == f"{nbytes / 10**6:,.1f} MB"
    assert units.show_bytes(999) == "999 bytes" and units.show_bytes(1_000) == "1.0 kB"
    assert units.show_bytes(2.5e9) == "2.5 GB"


def test_no_page_divides_by_powers_of_two_and_every_page_with_sizes_names_the_unit():
    for page in LESSONS:
        src = page.read_text()
        assert not re.search(r"2 ?\*\* ?20|/ ?1024|MiB|KiB", src), page.name
        if re.search(r"units\.show_bytes|\bMB\b", src):
            assert "MB_NOTE" in src, f"{page.name} shows sizes without naming the unit"
