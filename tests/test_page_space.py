"""AppTest of lesson 5 (route ``space``): both sources, shown numbers, bad input, the URL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedviz.seeding import numpy_rng
from embedviz.text import Vocabulary
from tests.apptest_helpers import assert_clean, chart_spec, open_page, plotly_array


class TinyTrainer:
    """Just the members lesson 5 reads from lesson 3's Trainer."""

    def __init__(self, words, categories, dim=6, step_count=42):
        self.vocab = Vocabulary.from_tokens(words, order="alphabetical")
        self.categories = categories
        self.step_count = step_count
        self._matrix = numpy_rng(7).normal(size=(len(self.vocab), dim)).astype(np.float32)
        self._matrix[0] = 0.0  # [PAD]

    def embedding_matrix(self) -> np.ndarray:
        return self._matrix.copy()


ANIMALS = ["cat", "dog", "cow", "pig", "lion", "wolf", "fox", "bee", "ant", "owl"]
FOOD = ["apple", "pear", "bread", "rice", "milk", "tea"]


@pytest.fixture(scope="module")
def page():
    return open_page("space")


def _texts(at) -> str:
    parts = [m.value for kind in ("markdown", "caption", "info", "warning", "success")
             for m in getattr(at, kind)]
    return "\n".join(map(str, parts))


def test_glove_view_shows_neighbours_and_analogy_that_match_gensim(page):
    from gensim.models import KeyedVectors

    from embedviz.pretrained import load_glove

    at = page
    assert at.radio(key="space_source").value == "glove"
    # predict first: the neighbours chart would give the quiz's answer away
    assert not any("space_chart_neighbours" in c.proto.id for c in at.get("plotly_chart"))
    at.toggle(key="space__skip_quiz").set_value(True).run()
    bars = chart_spec(at, "space_chart_neighbours")["data"][0]
    g = load_glove()
    kv = KeyedVectors(vector_size=g.dim)
    kv.add_vectors(g.itos, np.asarray(g.matrix))
    # the map's first word is studied by default, among the 100,000 most frequent words
    assert at.selectbox(key="space_search").value == 100_000
    truth = kv.most_similar("france", topn=8, restrict_vocab=100_000)
    assert bars["customdata"] == [w for w, _ in truth]
    np.testing.assert_allclose(plotly_array(bars["x"]), [s for _, s in truth], atol=1e-5)
    answer = chart_spec(at, "space_chart_analogy")["data"][0]
    best = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=5,
                           restrict_vocab=100_000)
    assert answer["customdata"] == [w for w, _ in best] and answer["customdata"][0] == "queen"
    assert "≈ **queen**" in _texts(at) and "100,000 most frequent words" in _texts(at)
    # over all 400,000 words, as gensim without restrict_vocab: the junk tail is searched too
    at.text_input(key="space_word").set_value("paris").run()
    at.selectbox(key="space_search").set_value(400_000).run()
    assert_clean(at)
    bars = chart_spec(at, "space_chart_neighbours")["data"][0]
    assert bars["customdata"] == [w for w, _ in kv.most_similar("paris", topn=8)]
    assert g.stoi[bars["customdata"][0]] >= 100_000  # the junk token the default avoids
    at.selectbox(key="space_search").set_value(100_000).run()
    at.text_input(key="space_word").set_value("").run()


def test_pca_view_explained_variance_matches_sklearn(page):
    from sklearn.decomposition import PCA

    from embedviz.pretrained import load_glove, load_wordlist

    g = load_glove()
    words = load_wordlist("countries_capitals").words
    variance = plotly_array(chart_spec(page, "space_chart_variance")["data"][0]["y"])
    truth = PCA(n_components=10).fit(g.rows(g.indices(words)).astype(np.float64))
    np.testing.assert_allclose(variance / 100, truth.explained_variance_ratio_,
                               rtol=1e-6)
    traces = chart_spec(page, "space_chart_map")["data"]
    scatter = [t for t in traces if t["name"] != "pairs"]
    assert sum(len(plotly_array(t["x"])) for t in scatter) == len(words)
    assert {t["name"] for t in scatter} == {"country", "capital"}
    lines = next(t for t in traces if t["name"] == "pairs")  # france -> paris, ...
    assert len(lines["x"]) == 3 * 18  # 18 segments, each ending in a gap


def test_tsne_runs_with_a_message_when_perplexity_does_not_fit():
    at = open_page("space")
    at.radio(key="space_method").set_value("t-SNE").run()
    at.slider(key="space_perplexity").set_value(100).run()
    assert_clean(at)
    text = _texts(at)
    assert "Perplexity 100 is too large for 36 points" in text
    # a long computation waits for an explicit action: no t-SNE ran on the slider's change
    assert "trustworthiness" not in text and "press the button" in text
    at.button(key="space__tsne_go").click().run()
    assert_clean(at)
    text = _texts(at)
    assert "trustworthiness" in text
    points = [t for t in chart_spec(at, "space_chart_map")["data"] if t["name"] != "pairs"]
    assert sum(len(plotly_array(t["x"])) for t in points) == 36
    before = [plotly_array(t["x"]).tolist() for t in points]
    at.select_slider(key="space_iters").set_value(100).run()  # "auto" was 1,000 at 36 points
    assert_clean(at)
    assert "press the button" in _texts(at)  # other settings: nothing remembered yet
    at.button(key="space__tsne_go").click().run()
    assert_clean(at)
    points = [t for t in chart_spec(at, "space_chart_map")["data"] if t["name"] != "pairs"]
    assert "trustworthiness" in _texts(at) and [plotly_array(t["x"]).tolist()
                                                 for t in points] != before
    at.radio(key="space_dims").set_value(3).run()
    at.button(key="space__tsne_go").click().run()
    assert_clean(at)
    assert {t["type"] for t in chart_spec(at, "space_chart_map")["data"]} == {"scatter3d"}


def test_unknown_and_added_words_are_named(page):
    at = page
    at.text_input(key="space_add").set_value("dragon, qwzxv unicorn").run()
    assert_clean(at)
    assert "qwzxv" in _texts(at) and "Not in GloVe" in _texts(at)
    names = {t["name"] for t in chart_spec(at, "space_chart_map")["data"]}
    assert "added" in names
    at.text_input(key="space_word").set_value("blorptastic").run()
    assert_clean(at)
    assert "blorptastic" in _texts(at)
    at.text_input(key="space_word").set_value("").run()
    at.text_input(key="space_add").set_value("").run()


def test_only_my_words_with_none_typed_says_what_to_do():
    at = open_page("space")
    at.selectbox(key="space_words").set_value("mine").run()
    assert_clean(at)
    assert "at least two known words" in _texts(at)
    at.text_input(key="space_compare").set_value("?!... ,,,").run()
    assert_clean(at)


def test_bad_inputs_in_every_text_box_are_survived(bad_inputs):
    at = open_page("space")
    for name, text in bad_inputs:  # each hostile input typed into every box at once
        for key in ("space_add", "space_word", "space_compare", "space_a"):
            at.text_input(key=key).set_value(text)
        at.run()
        assert not at.exception, (name, [e.value for e in at.exception])
        assert_clean(at)
        if name == "long paste (about 1 MB)":
            assert "longer than 2,000 characters" in _texts(at)


def test_student_model_source_with_its_categories_and_small_vocabulary():
    at = open_page("space")
    trainer = TinyTrainer(ANIMALS + FOOD,
                          {**{w: "animal" for w in ANIMALS}, **{w: "food" for w in FOOD}})
    at.session_state["train_trainer"] = trainer
    at.radio(key="space_source").set_value("model").run()
    assert_clean(at)
    text = _texts(at)
    assert "step 42" in text
    # the analogy starts from words this model knows, not from GloVe's king - man + woman
    assert {at.text_input(key=k).value for k in ("space_a", "space_b", "space_c")} <= set(
        ANIMALS + FOOD)
    assert "≈ **" in text and "Not in your model's vocabulary" not in text
    scatter = chart_spec(at, "space_chart_map")["data"]
    shown = sorted(w for t in scatter for w in t["text"])
    assert shown == sorted(ANIMALS + FOOD)  # [PAD] and [UNK] are not words
    assert {t["name"] for t in scatter} == {"animal", "food"}
    assert "fewer than N = 500" in text  # N larger than the vocabulary
    at.text_input(key="space_word").set_value("cat").run()
    if not any("space_chart_neighbours" in c.proto.id for c in at.get("plotly_chart")):
        at.toggle(key="space__skip_quiz").set_value(True).run()
    bars = chart_spec(at, "space_chart_neighbours")["data"][0]
    m = trainer.embedding_matrix()
    itos = trainer.vocab.itos
    words = [w for w in itos if not w.startswith("[")]
    rows = m[[itos.index(w) for w in words]]
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    cos = unit @ unit[words.index("cat")]
    order = [words[i] for i in np.argsort(-cos) if words[i] != "cat"][:8]
    assert bars["customdata"] == order
    at.radio(key="space_method").set_value("t-SNE").run()  # 16 points: perplexity is fitted
    assert_clean(at)
    assert "too large for 16 points" in _texts(at)


def test_model_source_without_a_trainer_links_to_lesson_3():
    at = open_page("space")
    at.radio(key="space_source").set_value("model").run()
    assert_clean(at)
    assert "no trained model" in _texts(at)
    assert any(link.proto.page == "train" for link in at.get("page_link"))
    assert chart_spec(at, "space_chart_map")  # GloVe is shown meanwhile


def test_a_shared_link_reproduces_the_view():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=120)
    # choice widgets put their shown label in the URL
    at.query_params.update(space_words="Animals", space_dims="3-D", space_word="tiger")
    # AppTest learns st.navigation's pages on its first run; then the link's page is opened
    at.run()
    at.switch_page(str(Path(__file__).resolve().parents[1] / "lessons" / "5_explore_space.py"))
    at.run()
    assert_clean(at)
    assert at.selectbox(key="space_words").value == "animals"
    assert at.radio(key="space_dims").value == 3
    data = chart_spec(at, "space_chart_map")["data"]
    assert {t["type"] for t in data} == {"scatter3d"}
    assert any(t["name"] == "tiger" for t in data)  # the searched word is marked


def test_quiz_answer_is_the_true_nearest_word(page):
    from embedviz.pretrained import load_glove, load_wordlist

    at = page
    at.toggle(key="space__skip_quiz").set_value(False).run()
    assert not any("space_chart_neighbours" in c.proto.id for c in at.get("plotly_chart"))
    radio = next(r for r in at.radio if r.key == "space_quiz__choice")
    g = load_glove()
    words = load_wordlist("countries_capitals").words
    x = g.rows(g.indices(words))
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    cos = unit @ unit[0]
    cos[0] = -2
    truth = words[int(np.argmax(cos))]
    assert truth in radio.options
    radio.set_value(truth).run()
    at.button(key="space_quiz__reveal").click().run()
    assert_clean(at)
    assert any("Right" in str(s.value) for s in at.success)
    assert chart_spec(at, "space_chart_neighbours")  # revealed: the neighbours are shown
