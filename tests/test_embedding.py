"""The embedding table is a real nn.Embedding: lookup = weight rows, padding row zero, seeded."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from embedviz.embedding import INITS, EmbeddingConfig, lookup, make_embedding
from embedviz.lookup import (
    integer_id_distances,
    one_hot_vectors,
    rows_to_show,
    words_to_vectors,
)
from embedviz.similarity import similarity_matrix


@pytest.mark.parametrize("init", list(INITS))
def test_lookup_rows_equal_weight_rows_and_padding_row_is_zero(init):
    """Against independent truths: a one-hot row times W in float64 (lesson 2), torch's
    functional F.embedding, and autograd (the padding row never gets a gradient). The rows
    must also differ from each other and from zero: a table of zeros (or one row repeated)
    would equal its own rows and fail here."""
    emb = make_embedding(EmbeddingConfig(vocab_size=12, dim=5, init=init, seed=7))
    assert isinstance(emb, nn.Embedding) and emb.padding_idx == 0
    ids = [3, 0, 3, 11]
    out = lookup(emb, ids)
    assert out.shape == (4, 5)
    W = emb.weight.detach()
    onehot = F.one_hot(torch.tensor(ids), 12).double()  # (4, 12)
    assert torch.equal(out.double(), onehot @ W.double())
    assert torch.equal(out, F.embedding(torch.tensor(ids), W))
    assert torch.count_nonzero(W[0]) == 0 and torch.count_nonzero(out[1]) == 0
    assert torch.count_nonzero(W[1:], dim=1).min() == 5  # every other row has 5 numbers
    assert len({tuple(r) for r in W[1:].tolist()}) == 11  # and no two rows are the same
    emb(torch.tensor(ids)).sum().backward()
    assert torch.count_nonzero(emb.weight.grad[0]) == 0  # the [PAD] row learns nothing
    assert torch.equal(emb.weight.grad[3], torch.full((5,), 2.0))  # seen twice: counted twice


def test_same_seed_same_matrix_other_seed_other_matrix():
    a = make_embedding(EmbeddingConfig(50, 8, seed=1)).weight
    b = make_embedding(EmbeddingConfig(50, 8, seed=1)).weight
    c = make_embedding(EmbeddingConfig(50, 8, seed=2)).weight
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_initialisations_have_the_promised_ranges():
    w = make_embedding(EmbeddingConfig(2000, 16, init="uniform", scale=0.3)).weight[1:]
    assert w.abs().max() <= 0.3 and w.abs().max() > 0.29
    w = make_embedding(EmbeddingConfig(2000, 16, init="normal", scale=0.2)).weight[1:]
    assert abs(w.std().item() - 0.2) < 0.01
    w = make_embedding(EmbeddingConfig(2000, 16, init="default")).weight[1:]
    assert abs(w.std().item() - 1.0) < 0.03


def test_bad_configs_are_refused():
    for cfg in (EmbeddingConfig(0, 4), EmbeddingConfig(5, 0), EmbeddingConfig(5, 4, init="x"),
                EmbeddingConfig(5, 4, init="normal", scale=0)):
        with pytest.raises(ValueError):
            make_embedding(cfg)


def seeded_table(vocab_size: int, dim: int, seed: int) -> torch.Tensor:
    """The table the lesson promises, built with torch alone: nn.Embedding's N(0, 1) drawn
    from a generator seeded with ``seed``, and the [PAD] row 0 zeroed by padding_idx."""
    emb = nn.Embedding(vocab_size, dim, padding_idx=0)
    with torch.no_grad():
        emb.weight.normal_(0.0, 1.0, generator=torch.Generator().manual_seed(seed))
        emb.weight[0].zero_()
    return emb.weight.detach()


def test_pipeline_output_is_the_looked_up_rows():
    p = words_to_vectors("the cat sat on the dog", "the cat sat on a mat",
                         EmbeddingConfig(0, dim=4, seed=3), length=8)
    # the vocabulary, by hand: [PAD], [UNK], then the words in alphabetical order
    assert p.vocab.itos == ["[PAD]", "[UNK]", "a", "cat", "mat", "on", "sat", "the"]
    ids = [7, 3, 6, 5, 7, 1, 0, 0]  # the cat sat on the [UNK], then two [PAD]
    assert p.encoded.ids == ids and p.encoded.unknown == ["dog"]
    W = seeded_table(8, 4, seed=3)
    np.testing.assert_array_equal(p.weight, W.numpy())
    # the layer's output is one_hot(ids) @ W, computed here by torch's own one_hot
    via_matmul = F.one_hot(torch.tensor(ids), 8).float() @ W  # (8, V) @ (V, 4)
    np.testing.assert_array_equal(p.output, via_matmul.numpy())
    np.testing.assert_array_equal(p.output, F.embedding(torch.tensor(ids), W).numpy())
    numpy_rows = W.numpy().copy()[ids]  # indexing a NumPy copy of the weights
    np.testing.assert_array_equal(p.output, numpy_rows)
    assert p.output.shape == (8, 4) and p.n_numbers == 8 * 4
    assert not p.output[[6, 7]].any() and p.output[0].any()  # padding rows are zeros
    np.testing.assert_array_equal(p.output[0], p.output[4])  # "the" twice: the same row
    # the difference the page prints is the one computed independently here: none
    assert p.max_abs_diff == float(np.abs(p.output - via_matmul.numpy()).max()) == 0.0


def test_one_hot_vectors_are_orthogonal_and_feature_vectors_are_not():
    oh = one_hot_vectors([2, 5, 7], 10)
    assert oh.shape == (3, 10) and oh.sum() == 3
    cos = similarity_matrix(oh, "cosine")
    np.testing.assert_allclose(cos, np.eye(3))
    v = np.array([[1.0, 0, 1], [1.0, 0, 0.8], [0, 1.0, 0]])
    expected = torch.nn.functional.cosine_similarity(
        torch.tensor(v[0]), torch.tensor(v[1]), dim=0).item()
    assert similarity_matrix(v, "cosine")[0, 1] == pytest.approx(expected)


def test_integer_distances_and_rows_to_show():
    d = {(a, b): x for a, b, x in integer_id_distances({"cat": 34, "dog": 2, "london": -15})}
    assert d[("cat", "dog")] == 32 and d[("dog", "london")] == 17
    assert rows_to_show(10, [3]) == list(range(10))
    assert rows_to_show(1000, [500], limit=60) == [0, 1, 499, 500, 501]
