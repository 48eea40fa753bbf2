"""Lesson 8's core against the libraries that own the truth: torch's numel and element_size,
transformers' configurations, the real MiniLM and GloVe, scikit-learn for the sweep's scores."""

import threading

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from sklearn.metrics import accuracy_score
from sklearn.neighbors import NearestNeighbors

from embedviz import minilm, sizes
from embedviz.corpora import load_builtin, train_validation_split
from embedviz.figures import sizes as figs
from embedviz.onehot import one_hot
from embedviz.training import Trainer, labelled_rows

SMALL = sizes.SweepConfig(dims=(2, 16), words_steps=30, reviews_steps=30, shares=(0.25,))


@pytest.fixture(scope="module")
def tables():
    return {t.model.name: t for t in sizes.real_tables()}


@pytest.fixture(scope="module")
def small_sweep():
    return sizes.run_sweep(SMALL)


# ---------------------------------------------------------------- counts and bytes


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_every_real_table_counts_what_a_torch_embedding_of_its_shape_holds(tables, precision):
    for t in tables.values():
        emb = torch.nn.Embedding(t.vocab_size, t.dim, device="meta",
                                 dtype=sizes.PRECISIONS[precision])  # shapes only
        w = emb.weight
        assert t.table.parameters == w.numel(), t.model.name
        assert t.table.nbytes(precision) == w.numel() * w.element_size(), t.model.name
        assert t.table.megabytes(precision) == w.numel() * w.element_size() / 1e6


def test_int8_bytes_and_a_real_allocated_table():
    for v, d in [(30_522, 384), (400_000, 50), (128_256, 4_096)]:
        w = torch.empty(v, d, dtype=torch.int8, device="meta")
        assert sizes.TableSize(v, d).nbytes("int8") == w.numel() * w.element_size()
    emb = torch.nn.Embedding(1_000, 50)  # really allocated
    size = sizes.TableSize(1_000, 50)
    assert size.parameters == sum(p.numel() for p in emb.parameters())
    assert size.nbytes() == emb.weight.untyped_storage().nbytes()
    assert size.nbytes("bfloat16") == emb.weight.to(torch.bfloat16).untyped_storage().nbytes()


def test_minilm_shape_is_read_from_its_config_and_matches_its_real_table(tables):
    row = tables[sizes.MINILM]
    cfg = minilm.config()
    assert (row.vocab_size, row.dim) == (cfg["vocab_size"], cfg["hidden_size"])
    real = minilm.load_minilm().model.embeddings.word_embeddings.weight
    assert (row.vocab_size, row.dim) == tuple(real.shape)
    # all parameters, from the model's own file (not the loaded model): every tensor in
    # model.safetensors except the two the sentence encoder never uses, named here
    from safetensors.numpy import load

    tensors = load(minilm.read_file("model.safetensors"))
    unused = {"pooler.dense.weight", "pooler.dense.bias",  # the encoder mean-pools instead
              "embeddings.position_ids"}  # a buffer of 0..511, not a parameter
    assert unused <= set(tensors)
    assert row.counted_total == sum(v.size for k, v in tensors.items() if k not in unused)


def test_glove_shape_is_the_real_matrix(tables):
    from embedviz.pretrained import load_glove

    row = tables[sizes.GLOVE]
    assert (row.vocab_size, row.dim) == load_glove().matrix.shape
    assert row.share == 1.0  # the published vectors are the whole model


def test_typed_shapes_agree_with_transformers_configs(tables):
    from transformers import BertConfig, GPT2Config

    assert (tables["GPT-2 small"].vocab_size, tables["GPT-2 small"].dim) == (
        GPT2Config().vocab_size, GPT2Config().n_embd)
    assert tables["GPT-2 XL"].vocab_size == GPT2Config().vocab_size
    assert (tables["BERT-base"].vocab_size, tables["BERT-base"].dim) == (
        BertConfig().vocab_size, BertConfig().hidden_size)


def _meta(build):
    with torch.device("meta"):
        return build()


def test_counted_totals_tying_and_shares_from_models_built_on_meta(tables):
    from transformers import (
        BertConfig,
        BertForMaskedLM,
        GPT2Config,
        GPT2LMHeadModel,
        LlamaConfig,
        LlamaForCausalLM,
    )

    gpt2 = _meta(lambda: GPT2LMHeadModel(GPT2Config()))
    xl = _meta(lambda: GPT2LMHeadModel(GPT2Config(n_embd=1600, n_layer=48, n_head=25)))
    llama = _meta(lambda: LlamaForCausalLM(LlamaConfig(**sizes.LLAMA3_8B_SHAPES)))
    bert = _meta(lambda: BertForMaskedLM(BertConfig()))
    for name, model in [("GPT-2 small", gpt2), ("GPT-2 XL", xl), ("Llama 3 8B (2024)", llama)]:
        t = tables[name]
        wte = model.get_input_embeddings().weight
        assert tuple(wte.shape) == (t.vocab_size, t.dim)
        total = sum(p.numel() for p in model.parameters())
        assert t.counted_total == total
        assert t.share == pytest.approx(wte.numel() / total, rel=1e-12)
        tied = model.get_output_embeddings().weight is wte
        assert t.model.tied == tied, name
    assert bert.cls.predictions.decoder.weight is bert.bert.embeddings.word_embeddings.weight
    assert tables["BERT-base"].model.tied
    # the untied Llama has a second V x d table at its output
    t = tables["Llama 3 8B (2024)"]
    head = llama.get_output_embeddings().weight.numel()
    assert t.embedding_share == pytest.approx((t.table.parameters + head) / t.counted_total)


def test_counted_totals_are_close_to_the_published_ones(tables):
    for t in tables.values():
        if t.counted_total is not None and t.model.published_total is not None:
            assert t.counted_total == pytest.approx(t.model.published_total, rel=0.01), t.model.name
    assert tables["Transformer base (2017)"].total == 65_000_000  # published only


def _spellings(n: int) -> set[str]:
    """How a source may write a count: 30522, 30,522, 110M, 1558M, 8.03B, 65 x 10^6."""
    return {str(n), f"{n:,}", f"{n / 1e6:g}M", f"{n / 1e9:g}B", f"{n / 1e6:g} x 10^6"}


def test_every_real_model_cites_its_sources():
    """Each typed number is written in the source the row cites: a V, d or total changed
    in REAL_MODELS (or a source that does not say it) fails here."""
    for m in sizes.REAL_MODELS:
        assert m.source and m.total_source and m.tie_source, m.name
        if m.name in (sizes.MINILM, sizes.GLOVE):  # read from their files, not typed
            assert m.vocab_size == m.dim == 0 and m.published_total is None
            continue
        assert any(x in m.source for x in _spellings(m.vocab_size)), (m.name, m.vocab_size)
        assert any(x in m.source for x in _spellings(m.dim)), (m.name, m.dim)
        assert any(x in m.total_source for x in _spellings(m.published_total)), m.name
        assert ("share" in m.tie_source or "wte" in m.tie_source
                or "get_embedding_table" in m.tie_source) == m.tied, m.name


def test_calculator_costs_are_lesson_2s_model_on_real_tensors():
    size = sizes.TableSize(3_000, 64)
    cost = size.cost(batch_tokens=32)
    ids = torch.randint(3_000, (32,), generator=torch.Generator().manual_seed(0))
    X = one_hot(ids, 3_000)
    assert cost.onehot_input_bytes == X.numel() * X.element_size()
    assert cost.lookup_copies == torch.nn.Embedding(3_000, 64)(ids).numel()
    assert size.with_output_table(tied=True) * 2 == size.with_output_table(tied=False)
    with pytest.raises(ValueError):
        sizes.TableSize(0, 64)


# ---------------------------------------------------------------- the sweep


def _quality(result):
    return [(p.task, p.dim, p.share, p.vocab_size, p.table_parameters, p.model_parameters,
             p.steps, p.neighbour_accuracy, p.train_accuracy, p.validation_accuracy,
             p.validation_correct) for p in result.points]


def test_sweep_is_deterministic_and_the_seed_matters(small_sweep):
    again = sizes.run_sweep(SMALL)
    assert _quality(again) == _quality(small_sweep)
    other = sizes.run_sweep(sizes.SweepConfig(dims=(2, 16), words_steps=30, reviews_steps=30,
                                              shares=(0.25,), seed=1))
    assert _quality(other) != _quality(small_sweep)


def test_sweep_parameters_are_the_models_numel(small_sweep):
    for p in small_sweep.points:
        assert p.table_parameters == p.vocab_size * p.dim
        if p.task == sizes.WORDS:  # skip-gram: input and context tables
            assert p.model_parameters == 2 * p.vocab_size * p.dim
        else:  # classifier: the table and a linear layer to two classes
            assert p.model_parameters == p.vocab_size * p.dim + p.dim * 2 + 2
        assert p.steps == (SMALL.words_steps if p.task == sizes.WORDS else SMALL.reviews_steps)
        assert p.seconds_per_step > 0


def _file_labels() -> dict[tuple[str, ...], int]:
    """Each review's label read straight from data/reviews.tsv (1 = positive), by its words:
    the truth the sweep is scored against, not embedviz.corpora's reading of it."""
    from pathlib import Path

    from embedviz.corpora import is_word
    from embedviz.text import tokenize

    labels: dict[tuple[str, ...], set[int]] = {}
    path = Path(__file__).parent.parent / "data" / "reviews.tsv"
    for row in path.read_text(encoding="utf-8").splitlines():
        if row.strip() and not row.startswith("#"):
            label, text = row.split("\t")
            words = tuple(w for w in tokenize(text) if is_word(w))
            labels.setdefault(words, set()).add({"negative": 0, "positive": 1}[label])
    return {k: v.pop() for k, v in labels.items() if len(v) == 1}


def test_sweep_scores_match_an_independent_run_scored_by_scikit_learn(small_sweep):
    # the classifier at d = 16: trained again, each held-out review classified on its own
    # (no padding), scored by scikit-learn against the labels in the data file itself; with
    # labels flipped anywhere in embedviz the run learns the flipped task and fails here
    train, validation = train_validation_split(load_builtin("reviews"), 0.2, 0, 0.25)
    trainer = Trainer(SMALL.reviews_config(16), train)
    trainer.step(SMALL.reviews_steps)
    trainer.model.eval()
    with torch.no_grad():
        predicted = [int(trainer.model(torch.tensor([trainer.vocab.encode_tokens(s)])).argmax())
                     for s in validation.sentences]
    truth = _file_labels()  # a few texts occur with both labels: those keep the split's
    known = [s in truth for s in validation.sentences]
    assert sum(known) > 0.9 * len(known)
    labels = [truth[s] if k else y for s, k, y in zip(validation.sentences, known,
                                                       validation.labels)]
    expected = accuracy_score(labels, predicted)
    point = small_sweep.at(sizes.REVIEWS, 16, 0.25)
    assert point.validation_accuracy == pytest.approx(expected, abs=1e-12)
    assert point.validation_size == len(validation.sentences)
    assert small_sweep.train_size(0.25) == len(train.sentences)
    # skip-gram at d = 16: neighbour accuracy by scikit-learn's cosine nearest neighbours
    words = Trainer(SMALL.words_config(16))
    words.step(SMALL.words_steps)
    rows, labels = labelled_rows(words.vocab, words.categories)
    table = words.embedding_matrix()[rows].astype(np.float64)
    _, nearest = NearestNeighbors(n_neighbors=2, metric="cosine").fit(table).kneighbors(table)
    expected = float((labels[nearest[:, 1]] == labels).mean())
    assert small_sweep.at(sizes.WORDS, 16).neighbour_accuracy == pytest.approx(expected)


def test_out_of_range_sweeps_are_refused_with_a_message():
    for bad, words in [(dict(dims=(256,)), "between 2 and 128"),
                       (dict(dims=()), "between 2 and 128"),
                       (dict(words_steps=0), "steps per dimension"),
                       (dict(shares=(0.0,)), "data share"),
                       (dict(shares=(1.5,)), "data share"),
                       (dict(seed=-1), "seed"),
                       (dict(words_steps=2_000, reviews_steps=2_000, max_steps=5_000),
                        "may train at most 5,000")]:
        with pytest.raises(ValueError, match=words):
            sizes.SweepConfig(**bad)
    assert sizes.SweepConfig(words_steps=400, reviews_steps=200,
                             max_steps=sizes.MAX_OWN_STEPS).total_steps == 7 * 600


def test_progress_is_reported_up_to_the_total():
    seen = []
    cfg = sizes.SweepConfig(dims=(2,), words_steps=60, reviews_steps=20, shares=(0.5, 1.0))
    sizes.run_sweep(cfg, lambda done, total, what: seen.append((done, total)))
    assert seen[-1] == (cfg.total_steps, cfg.total_steps) == (100, 100)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_default_sweep_is_computed_once_and_shared(monkeypatch):
    monkeypatch.setattr(sizes, "DEFAULT_SWEEP", sizes.SweepConfig(
        dims=(2, 4), words_steps=10, reviews_steps=10, shares=(1.0,)))
    monkeypatch.setattr(sizes, "_default_result", None)
    calls = []
    real_run = sizes.run_sweep
    monkeypatch.setattr(sizes, "run_sweep", lambda cfg, p=None: calls.append(1) or real_run(cfg, p))
    got = []
    threads = [threading.Thread(target=lambda: got.append(sizes.default_sweep()))
               for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(calls) == 1 and all(g is got[0] for g in got)
    assert sizes.default_sweep_state() == "ready"


def test_compare_dims_counts_held_out_reviews(small_sweep):
    points = small_sweep.reviews(0.25)
    a, b = (small_sweep.at(sizes.REVIEWS, d, 0.25).validation_correct for d in (16, 2))
    expected = "big" if a > b else "small" if a < b else "same"
    assert sizes.compare_dims(points, 16, 2) == expected


# ---------------------------------------------------------------- figures


def _font_sizes(spec):
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k.endswith("font") and isinstance(v, dict) and "size" in v:
                yield v["size"]
            yield from _font_sizes(v)
    elif isinstance(spec, list):
        for v in spec:
            yield from _font_sizes(v)


def test_figures_validate_and_are_readable(small_sweep):
    dims = [2, 16]
    words = small_sweep.words()
    reviews = small_sweep.reviews(0.25)
    built = [
        figs.words_quality_figure(dims, [p.neighbour_accuracy for p in words], 1 / 6, 30),
        figs.classifier_figure(dims, [p.train_accuracy for p in reviews],
                               [p.validation_accuracy for p in reviews], "t"),
        figs.cost_figure(dims, [p.table_parameters for p in words],
                         [p.table_parameters for p in reviews], [1.0, 2.0], [0.5, 0.7]),
        figs.real_tables_figure(["a", "b"], [1_000, 2_000_000], [0.3, 0.004]),
        figs.precision_figure(["float32", "int8"], [1.0, 0.25], [2.0, 0.5]),
    ]
    for fig in built:
        spec = fig.to_dict()
        go.Figure(spec)  # validates
        # text with no size of its own is drawn at layout.font.size, or Plotly's 12 px
        assert spec["layout"].get("font", {}).get("size", 12) >= 14
        assert min(_font_sizes(spec)) >= 14
        for trace in spec["data"]:  # Plotly shrinks a bar's text to the bar unless told not to
            if trace["type"] == "bar" and trace.get("text") is not None:
                assert trace.get("constraintext") == "none", trace.get("name")
        assert 300 <= spec["layout"]["height"] <= 460
