"""Lesson 7's budget: BPE merges per second and re-encoding cost, against Hugging Face
``tokenizers``' BpeTrainer and BPE on the same text with the same settings (one thread).

    python bench/subwords.py [--repeats 5]

Rounds are interleaved (ours, theirs, ours, ...) so both see the same machine; each line
prints min / median / max and the ratio of medians to the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # tokenizers' trainer: one thread, like us
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedviz import subwords as sw  # noqa: E402
from embedviz.text import tokenize  # noqa: E402
from tests.test_subwords import hf_bpe  # noqa: E402

SENTENCE = "The refrigerator was unrefrigerated, unbelievably doglike."


def timed(fn, n: int = 1) -> float:
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def line(what: str, ours: list[float], theirs: list[float], unit: str, scale: float) -> None:
    def fmt(xs):
        return "/".join(f"{scale * x:.3g}" for x in (min(xs), statistics.median(xs), max(xs)))
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"{what:<34} ours {fmt(ours)} {unit}  tokenizers {fmt(theirs)} {unit}  "
          f"ratio {ratio:.2f}x (time, ours / theirs; min/median/max)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    text = sw.builtin_text("python")
    counts = sw.word_counts(text)
    print(f"text: {len(text):,} chars, {sum(counts.values()):,} words, {len(counts):,} distinct;"
          f" {sw.MAX_MERGES:,} merges, characters")
    ours, theirs = [], []
    for _ in range(args.repeats):
        ours.append(timed(lambda: sw.train_bpe(counts, sw.BPEConfig("characters"))))
        bpe = sw.train_bpe(counts, sw.BPEConfig("characters"))
        size = len(bpe.vocab)
        theirs.append(timed(lambda size=size: hf_bpe(text, "characters", size)))
    line("train 3,000 merges", ours, theirs, "s", 1)
    print(f"{'':<34} ours {len(bpe.merges) / statistics.median(ours):,.0f} merges/s, "
          f"tokenizers {len(bpe.merges) / statistics.median(theirs):,.0f} merges/s"
          " (tokenizers also counts the words)")

    bpe = sw.bpe_for_text(text, "characters")
    for k in (20, 200, 3000):
        tok = hf_bpe(text, "characters", bpe.vocab_size(k))
        words = " ".join(tokenize(SENTENCE))
        o, t = [], []
        for _ in range(args.repeats):
            o.append(timed(lambda k=k: bpe.encode(SENTENCE, k), 200))
            t.append(timed(lambda tok=tok, words=words: tok.encode(words), 200))
        line(f"re-encode the sentence, k={k}", o, t, "ms", 1e3)
    slider = []
    for _ in range(args.repeats):  # what one slider move costs besides drawing
        slider.append(timed(lambda: (bpe.curve(), bpe.encode(SENTENCE, 1234),
                                     bpe.vocab_size(1234)), 20))
    print(f"{'slider move (curve + encode)':<34} {1e3 * min(slider):.2f}/"
          f"{1e3 * statistics.median(slider):.2f}/{1e3 * max(slider):.2f} ms")


if __name__ == "__main__":
    main()
