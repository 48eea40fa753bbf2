"""Lesson 10's core against the libraries that own the truth: torch's nn.RNN/nn.GRU and
transformers' BertModel built independently from the same model files."""

from __future__ import annotations

import zipfile

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from embedviz import readers as rd
from embedviz.figures import readers as figs
from embedviz.figures.training import live_figure
from embedviz.text import PAD_ID

# ---------------------------------------------------------------- part 1: the RNN


@pytest.fixture(scope="module", params=["rnn", "gru"])
def trained(request):
    trainer = rd.ReaderTrainer(rd.ReaderConfig(cell=request.param, lr=0.03))
    trainer.step(30)  # trained weights, not the initial ones
    return trainer


def sentence_ids(trainer, text="the movie was not horrible", length=8):
    return rd.encode_review(trainer.vocab, text, length).ids


def test_step_by_step_states_equal_what_the_module_returns(trained):
    ids = sentence_ids(trained)
    walk = rd.walk_through(trained.model, ids)
    n = walk.n_real
    with torch.no_grad():
        x = trained.model.embedding(torch.tensor(ids)[None])  # (1, seq, dim)
        out, _ = trained.model.rnn(x)  # the module over the whole sequence
    np.testing.assert_allclose(walk.h[:n], out[0, :n].double().numpy(), atol=1e-6)
    np.testing.assert_allclose(walk.h_prev[1:n], walk.h[: n - 1])
    assert np.all(walk.h_prev[0] == 0)


def test_padding_changes_nothing_before_it_and_the_last_state_is_the_packed_one(trained):
    short = sentence_ids(trained, length=5)  # "the movie was not horrible": no padding
    long = sentence_ids(trained, length=12)  # the same words and 7 [PAD]
    a, b = rd.walk_through(trained.model, short), rd.walk_through(trained.model, long)
    np.testing.assert_allclose(b.h[:5], a.h, atol=1e-12)
    assert np.all(b.h[5:] == b.h[4])  # masked: carried over unchanged
    with torch.no_grad():  # torch's own packing of the padded sentence
        x = trained.model.embedding(torch.tensor(long)[None])
        _, h_n = trained.model.rnn(pack_padded_sequence(x, torch.tensor([5]), batch_first=True))
    np.testing.assert_allclose(b.h[-1], h_n[0, 0].double().numpy(), atol=1e-6)
    unmasked, packed = rd.module_states(trained.model, long)
    np.testing.assert_allclose(packed, b.h[-1], atol=1e-6)
    assert np.abs(unmasked[-1] - b.h[-1]).max() > 1e-4  # reading [PAD] would have moved it


def test_the_heads_probabilities_match_the_model_on_every_prefix(trained):
    words = "the movie was not horrible".split()
    walk = rd.walk_through(trained.model, sentence_ids(trained))
    prefixes = [words[: t + 1] for t in range(len(words))]
    expected = trained.probabilities(prefixes)  # the packed model itself, prefix by prefix
    np.testing.assert_allclose(walk.p_positive[: len(words)], expected, atol=1e-6)


def test_flip_after_is_the_last_change_of_label():
    def walk(p):
        p = np.array(p + [p[-1]])
        return rd.Walk("rnn", *[np.zeros((len(p), 1))] * 5, p_positive=p,
                       is_pad=np.array([False] * (len(p) - 1) + [True]))
    assert rd.flip_after(walk([0.6, 0.7, 0.4, 0.3])) == 2
    assert rd.flip_after(walk([0.4, 0.6, 0.4, 0.6])) == 3
    assert rd.flip_after(walk([0.6, 0.7])) is None


def test_training_is_deterministic_and_learns_negation():
    a, b = (rd.ReaderTrainer(rd.ReaderConfig(cell="gru", lr=0.03)) for _ in range(2))
    a.step(150)
    b.step(150)
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(pa, pb)
    great, not_great, horrible, not_horrible = a.probabilities([p.split() for p in rd.PROBES])
    assert great > 0.5 > not_great and not_horrible > 0.5 > horrible
    assert a.history.accuracy[-1] > rd.bag_reference().validation_accuracy


def test_the_bag_of_embeddings_cannot_tell_all_four_probes():
    bag = rd.bag_reference()
    right = (bag.probes > 0.5) == np.array([True, False, False, True])
    assert not right.all() and bag.probes.flags.writeable is False


def test_validation_accuracy_is_counted_on_the_validation_split(trained):
    train, val = rd.review_split()
    assert not set(train.sentences) & set(val.sentences) or len(val.sentences) == 320
    predicted = []
    for words, label in zip(val.sentences, val.labels):
        p = trained.probabilities([list(words)])[0]
        predicted.append((p >= 0.5) == bool(label))
    assert trained.accuracy() == pytest.approx(np.mean(predicted))


def test_review_encoding_drops_punctuation_and_marks_unknown_words(trained):
    enc = rd.encode_review(trained.vocab, "White refrigerator is evil.", 8)
    assert enc.tokens[:4] == ["white", "refrigerator", "is", "evil"] and enc.n_real == 4
    assert enc.ids[4:] == [PAD_ID] * 4 and enc.dropped == ["."]
    assert enc.unknown == ["white", "refrigerator", "evil"]
    empty = rd.encode_review(trained.vocab, " \u200b , . ! ", 8)
    assert empty.n_real == 0 and rd.walk_through(trained.model, empty.ids).h.max() == 0


def test_live_figure_dicts_are_valid_plotly(trained):
    hist = trained.history
    for parts in (figs.curves_parts(hist.steps, hist.loss, hist.accuracy, 0.9),
                  figs.probes_parts(list(rd.PROBES), [0.2] * 4, [0.5] * 4)):
        go.Figure(live_figure(*parts, title="t", height=400).to_dict())
        go.Figure(dict(data=parts[0], layout=parts[1]))


# ---------------------------------------------------------------- part 2: static vs contextual


@pytest.fixture(scope="module")
def minilm():
    from embedviz.minilm import load_minilm

    return load_minilm()


@pytest.fixture(scope="module")
def independent(tmp_path_factory):
    """transformers' own pipeline, from the same files extracted to disk: from_pretrained
    and the fast tokenizer, with no code of embedviz in between."""
    from transformers import BertModel, PreTrainedTokenizerFast

    from embedviz.minilm import model_zip_path

    folder = tmp_path_factory.mktemp("minilm")
    with zipfile.ZipFile(model_zip_path()) as zf:
        for name in ("config.json", "model.safetensors", "tokenizer.json"):
            (folder / name).write_bytes(zf.read(name))
    model = BertModel.from_pretrained(str(folder), add_pooling_layer=False).eval()
    tok = PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"))
    return model, tok


def reference_layers(independent, sentence: str):
    model, tok = independent
    batch = tok(sentence, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch, output_hidden_states=True)
    return batch["input_ids"][0].tolist(), np.stack([h[0].numpy() for h in out.hidden_states])


SENTENCES = ["I sat on the river bank.", "The bank approved the loan.",
             "Unbelievably, the bank's bank was banking."]


def test_contextual_vectors_equal_transformers_from_the_same_files(minilm, independent):
    occ = rd.contextual_occurrences(minilm, SENTENCES, "bank")
    assert occ.sentence_of == [0, 1, 2, 2] and occ.layers.shape == (4, 7, 384)
    seen = 0
    for sentence in SENTENCES:
        ids, layers = reference_layers(independent, sentence)  # (7, seq, 384)
        positions = [i for i, t in enumerate(ids) if t == occ.piece_ids[0]
                     and not independent[1].convert_ids_to_tokens(ids[i + 1]).startswith("##")]
        for i in positions:
            np.testing.assert_allclose(occ.layers[seen], layers[:, i], atol=2e-5)
            seen += 1
    assert seen == len(occ.layers)


def test_a_word_in_pieces_is_the_mean_of_its_pieces(minilm, independent):
    occ = rd.contextual_occurrences(minilm, [SENTENCES[2]], "unbelievably")
    ids, layers = reference_layers(independent, SENTENCES[2])
    assert len(occ.pieces) > 1 and occ.pieces[1].startswith("##")
    k = len(occ.piece_ids)
    start = next(i for i in range(len(ids)) if ids[i : i + k] == occ.piece_ids)
    np.testing.assert_allclose(occ.layers[0], layers[:, start : start + k].mean(axis=1),
                               atol=2e-5)
    table = independent[0].embeddings.word_embeddings.weight.detach().numpy()
    np.testing.assert_allclose(occ.static, table[occ.piece_ids].mean(axis=0), atol=1e-7)


def test_the_static_row_is_exactly_the_token_tables_row(minilm, independent):
    occ = rd.default_occurrences(minilm, "bank")
    table = independent[0].embeddings.word_embeddings.weight.detach().numpy()
    assert occ.piece_ids == [independent[1].convert_tokens_to_ids("bank")]
    assert np.array_equal(occ.static, table[occ.piece_ids[0]].astype(np.float64))
    assert occ.layers.flags.writeable is False
    assert rd.default_occurrences(minilm, "bank") is occ  # computed once per process


def test_whether_a_set_groups_by_sense_is_measured_by_scikit_learn(minilm):
    """A set "forms groups" when every occurrence's nearest other occurrence (scikit-learn's
    cosine neighbours on the model's output) has its meaning; a higher mean cosine within a
    meaning is not enough ("bat": 0.861 within, 0.848 across, 2 of 4 neighbours)."""
    from sklearn.metrics.pairwise import cosine_similarity
    from sklearn.neighbors import NearestNeighbors

    for name, pairs in rd.SENSE_SETS.items():
        occ = rd.default_occurrences(minilm, name)
        assert occ.sentence_of == list(range(len(pairs))) and not occ.missing
        senses = [m for _, m in pairs]
        labels = np.array(senses)[occ.sentence_of]
        vectors = occ.contextual.astype(np.float64)
        _, nn = NearestNeighbors(n_neighbors=2, metric="cosine").fit(vectors).kneighbors(vectors)
        g = rd.sense_groups(occ, senses)
        assert g.same_nearest == int((labels[nn[:, 1]] == labels).sum())
        assert g.grouped == bool((labels[nn[:, 1]] == labels).all())
        sim = cosine_similarity(vectors)
        np.fill_diagonal(sim, np.inf)
        i, j = g.least
        assert g.least_cosine == pytest.approx(sim.min()) == pytest.approx(sim[i, j])
        drift = rd.drift_from_static(occ)
        assert np.all(drift[:, -1] < drift[:, 0])  # the layers move it away from its row
        sim = rd.occurrence_similarity(occ)
        i, j = 0, 1
        assert sim[i, j] == pytest.approx(float(
            occ.contextual[i] @ occ.contextual[j] / np.linalg.norm(occ.contextual[i])
            / np.linalg.norm(occ.contextual[j])))


def test_long_sentences_are_cut_and_odd_words_refused(minilm):
    occ = rd.contextual_occurrences(minilm, ["bank " * 200, "no such word here"], "bank")
    assert occ.cut == [0] and occ.missing == [1] and len(occ.tokens[0]) == rd.MAX_TOKENS
    assert occ.tokens[0][-1] == "[SEP]" and occ.n_found == rd.MAX_TOKENS - 2
    assert len(occ.layers) == rd.MAX_OCCURRENCES
    for word in ["", "   ", "two words", "<b>", "🙂"]:
        with pytest.raises(rd.WordProblem):
            rd.contextual_occurrences(minilm, ["a bank"], word)
    kept, notes = rd.check_sentences(["x" * 999] + ["", " "] + ["b"] * 20)
    assert len(kept) == rd.MAX_SENTENCES and len(notes) == 2
    assert max(len(s) for s in kept) == rd.MAX_SENTENCE_CHARS


def test_a_forward_pass_of_a_few_sentences_is_well_under_a_second(minilm):
    import time

    sentences = [s for s, _ in rd.SENSE_SETS["bank"]] + ["The bank was closed."] * 2
    rd.contextual_occurrences(minilm, sentences, "bank")  # warm
    start = time.perf_counter()
    rd.contextual_occurrences(minilm, sentences, "bank")
    assert time.perf_counter() - start < 0.5


def test_context_figures_are_valid(minilm):
    occ = rd.default_occurrences(minilm, "bank")
    senses = [m for _, m in rd.SENSE_SETS["bank"]]
    labels = figs.occurrence_labels(occ.sentence_of, senses)
    figs.cosine_figure(rd.occurrence_similarity(occ), labels, "t")
    figs.drift_figure(rd.drift_from_static(occ), labels, senses, *rd.sense_separation(occ, senses))
    figs.occurrences_scatter(np.zeros((6, 2)), labels, senses, np.ones(2), labels, "t")
