"""The small worked examples of lesson 1 (and the vocabulary lesson 2 reuses).

These are teaching inputs, not results: every number the app shows from them (distances,
cosine similarities, looked-up rows) is computed.
"""

from __future__ import annotations

DEFAULT_SENTENCE = "White refrigerator is evil."

DEFAULT_VOCAB_TEXT = (
    "The quick brown fox jumps over the lazy dog. "
    "A white cat sleeps on the warm refrigerator. "
    "The dog is good and the cat is not evil. "
    "My friend eats an apple and a banana every morning. "
    "Is the refrigerator white or is it black?"
)

# "Why not integer IDs?": IDs a vocabulary might hand out, placed on a number line.
INTEGER_IDS = {"cat": 34, "dog": 2, "boston": -20, "london": -15}

# A hand-made embedding: each column is a feature a person chose, each value a judgement
# between 0 and 1. A learned embedding finds such directions by itself, without names.
FEATURES = ["is a pet", "is edible", "has four legs", "makes sound", "is sweet"]
FEATURE_TABLE = {
    "dog": [1.0, 0.0, 1.0, 1.0, 0.0],
    "cat": [1.0, 0.0, 1.0, 0.8, 0.0],
    "apple": [0.0, 1.0, 0.0, 0.0, 0.7],
    "banana": [0.0, 1.0, 0.0, 0.0, 0.9],
}
