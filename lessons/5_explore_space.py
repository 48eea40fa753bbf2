"""Lesson 5 · Explore the space: PCA / t-SNE pictures, neighbours, similarities, analogies.

Thin page: widgets -> plain values -> embedviz.{pretrained, projection, similarity} ->
embedviz.figures.space -> st.plotly_chart. The maths lives in the core.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

import ui
from embedviz import pretrained, projection, similarity
from embedviz.figures import space as figs
from embedviz.seeding import MAX_SEED
from embedviz.text import SPECIALS, tokenize
from ui import background, teacher
from ui.charts import show_chart
from ui.guard import guarded
from ui.nav import next_lesson_link
from ui.quiz import predict_then_reveal
from ui.text import capped, md_escape

B = ui.BIND
MAX_TYPED_CHARS = 2_000  # a text box of words, not a corpus
MAX_ADDED_WORDS = 200
MAX_COMPARED_WORDS = 30
MAX_N = 3_000
SOURCES = {"glove": "GloVe 6B (50-d, 400,000 words)", "model": "Your model from lesson 3"}
TOP, MINE = "top", "mine"
ANALOGY_PRESETS = [  # GloVe gets most right; "went - go + see" says "came" before "saw"
    ("king", "man", "woman"), ("paris", "france", "italy"), ("cars", "car", "dog"),
    ("walking", "walk", "swim"), ("went", "go", "see"),
]


@dataclass(frozen=True)
class Source:
    """All vectors one source knows, as plain arrays (GloVe's matrix stays memory-mapped)."""

    key: str
    name: str
    words: list[str]
    index: dict[str, int]
    matrix: np.ndarray  # (V, dim)
    norms: np.ndarray  # (V,)
    categories: dict[str, str]
    step: int | None = None  # the model's training step, None for GloVe


# -- sources -------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Opening GloVe (memory-mapped, shared by everyone)...")
def glove_source() -> Source:
    g = pretrained.load_glove()
    return Source("glove", "GloVe", g.itos, g.stoi, g.matrix, g.norms, {})


@st.cache_data(show_spinner=False)
def wordlists() -> dict[str, pretrained.WordList]:
    return {name: pretrained.load_wordlist(name) for name in pretrained.wordlist_names()}


def model_source(trainer) -> Source | None:
    """The live lesson-3 model, without [PAD] and [UNK] (they are not words)."""
    itos = list(trainer.vocab.itos)
    matrix = np.asarray(trainer.embedding_matrix(), dtype=np.float32)  # (V, d)
    keep = [i for i, w in enumerate(itos) if w not in SPECIALS]
    if not np.isfinite(matrix).all():
        st.warning("Your model's vectors contain NaN or infinity (training diverged). "
                   "Reset it in lesson 3 with a smaller learning rate.")
        return None
    words = [itos[i] for i in keep]
    counts = getattr(trainer.vocab, "counts", None) or {}
    order = sorted(range(len(words)), key=lambda j: -counts.get(words[j], 0))  # stable
    words = [words[j] for j in order]
    matrix = matrix[[keep[j] for j in order]]  # (V - 2, d), most frequent first
    return Source("model", "your model", words, {w: i for i, w in enumerate(words)}, matrix,
                  similarity.row_norms(matrix), dict(trainer.categories or {}),
                  int(trainer.step_count))


def typed_words(label_key: str, label: str, help: str, placeholder: str = "") -> list[str]:
    raw = st.text_input(label, key=label_key, bind=B, help=help, placeholder=placeholder, disabled=teacher.locked(label_key))
    words = tokenize(capped(raw, MAX_TYPED_CHARS, label.lower()))
    words = [w for w in dict.fromkeys(words) if any(ch.isalnum() for ch in w)]
    return words


def name_unknown(words: list[str], source: Source) -> None:
    if words:
        shown = ", ".join(f"“{md_escape(w)}”" for w in words[:20])
        more = f" and {len(words) - 20} more" if len(words) > 20 else ""
        st.warning(f"Not in {source.name}'s vocabulary: {shown}{more}.")


def pick_source() -> Source:
    key = st.radio("Vectors", list(SOURCES), format_func=SOURCES.get, key="space_source",
                   bind=B, horizontal=True, disabled=teacher.locked('space_source'))
    trainer = st.session_state.get("train_trainer")
    if key == "model":
        if trainer is None:
            st.info("There is no trained model in this session (none yet, or the page was "
                    "reloaded: a reload starts a new session; lesson 3's link rebuilds the same "
                    "model at the same step). Train one in lesson 3, "
                    "then come back; meanwhile you are looking at GloVe.")
            st.page_link("lessons/3_train_live.py", label="Go to lesson 3 · Train it live",
                         icon=":material/play_circle:")
        else:
            src = model_source(trainer)
            if src is not None and len(src.words) >= 2:
                return src
            if src is not None:
                st.info("Your model knows fewer than two words; showing GloVe instead.")
    elif trainer is not None:
        st.caption(f"Your lesson-3 model is ready (step {trainer.step_count}): choose "
                   "“Your model” above to explore it.")
    return glove_source()


# -- the words on the map ------------------------------------------------------------------


def pick_map(src: Source) -> tuple[projection.WordMap, list[tuple[str, str]]]:
    """The words to draw, and pairs to join (france -> paris) when the list has them."""
    cols = st.columns([2, 2, 3])
    if src.key == "glove":
        lists = wordlists()
        titles = {n: wl.title for n, wl in lists.items()}
        titles |= {TOP: "The N most frequent words", MINE: "Only the words I add"}
        choice = cols[0].selectbox("Words on the map", list(titles), format_func=titles.get,
                                   index=list(titles).index("countries_capitals"),
                                   key="space_words", bind=B, disabled=teacher.locked('space_words'))
    else:
        choice = TOP
        cols[0].markdown(f"**Your model** · step {src.step} · {len(src.words)} words")
    n = cols[1].slider("N (most frequent words)", 10, MAX_N, 500, step=10, key="space_n",
                       bind=B, disabled=(choice != TOP) or teacher.locked('space_n'),
                       help="Used when the map shows the most frequent words.")
    with cols[2]:
        extra = typed_words("space_add", "Add words", "Separate words with spaces or commas.",
                            "e.g. dragon, unicorn")
    if len(extra) > MAX_ADDED_WORDS:
        st.warning(f"Only the first {MAX_ADDED_WORDS} added words are used.")
        extra = extra[:MAX_ADDED_WORDS]
    if choice == TOP:
        if src.key == "glove":
            g = pretrained.load_glove()
            idx = pretrained.most_frequent_words(g, n)
            base = [g.itos[i] for i in idx]
            cats = {w: pretrained.frequency_band(i) for w, i in zip(base, idx)}
        else:
            if n > len(src.words):
                st.caption(f"Your model knows {len(src.words)} words, fewer than N = {n}: "
                           "the map shows all of them.")
            base, cats = src.words[:n], src.categories
    pairs = []
    if choice == MINE:
        base, cats = [], {}
    elif choice != TOP:
        base, cats, pairs = lists[choice].words, lists[choice].categories, lists[choice].pairs
    wmap = projection.choose_points(base, extra, src.index, lambda ix: src.matrix[ix], cats)
    name_unknown(wmap.unknown, src)
    return wmap, pairs


# -- the picture ---------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def cached_pca(matrix: np.ndarray, n_components: int) -> projection.PCABasis:
    return projection.pca_basis(matrix, n_components)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_trust(matrix: np.ndarray, coords: np.ndarray) -> float:
    return projection.trustworthiness(matrix, coords)


@dataclass(frozen=True)
class Picture:
    coords: np.ndarray  # (n, 2 or 3)
    axis_titles: list[str]
    caption: str
    labels: bool
    variance: np.ndarray | None = None  # PCA: explained variance ratio per component


def project(wmap: projection.WordMap, view_options=None) -> Picture | None:
    """Widgets for the picture, then its coordinates, axis titles and a caption.
    ``view_options`` gets the column of the "Words on points" switch (more switches go there)."""
    c = st.columns([2, 1, 1])
    if view_options is not None:
        view_options.append(c[2])
    method = c[0].radio("Projection", ["PCA", "t-SNE"], key="space_method", bind=B,
                        horizontal=True, disabled=teacher.locked('space_method'))
    dims = c[1].radio("Dimensions", [2, 3], key="space_dims", bind=B, horizontal=True,
                      format_func=lambda d: f"{d}-D", disabled=teacher.locked('space_dims'))
    labels = c[2].toggle("Words on points", value=True, key="space_labels", bind=B,
                help=f"Words are written on the points when there are at most "
                     f"{figs.MAX_LABELLED}; hover always shows them.", disabled=teacher.locked('space_labels'))
    n, dim = wmap.matrix.shape
    if method == "PCA":
        if n < 3 or dim < dims:
            st.info(f"PCA in {dims}-D needs at least 3 words and {dims} dimensions "
                    f"(the map has {n} words of {dim} dimensions).")
            return None
        basis = cached_pca(wmap.matrix, min(10, n, dim))
        coords = basis.project(wmap.matrix)[:, :dims]  # (n, dims)
        shown = basis.explained_variance_ratio[:dims].sum()
        titles = [f"PC{i + 1} ({r:.0%})" for i, r in enumerate(basis.explained_variance_ratio)]
        caption = (f"PCA keeps {shown:.1%} of the spread of these {n} words; "
                   f"the rest ({1 - shown:.1%}) is hidden from this picture.")
        return Picture(coords, titles, caption, labels, basis.explained_variance_ratio)
    return tsne_picture(wmap, dims, labels)


ITERATION_CHOICES = ["auto", *range(100, 1001, 50)]
# A picture's work: words × iterations (× 2.5 in 3-D, where each step costs that much more).
# 4 million is about ten seconds of the worker's CPU here (3,000 words × 1,000 iterations in
# 3-D, 7.5 million, measured 17.6 s); a longer one is refused with a message.
TSNE_BUDGET = 4_000_000
TSNE_3D_COST = 2.5


def tsne_iterations(n: int, cfg: projection.TSNEConfig) -> int:
    return cfg.n_iter if cfg.n_iter is not None else projection.schedule_for(n).n_iter


def tsne_steps(n: int, cfg: projection.TSNEConfig) -> float:
    """Point-steps of a t-SNE: the budget above counts these."""
    return n * tsne_iterations(n, cfg) * (TSNE_3D_COST if cfg.dims == 3 else 1)


def tsne_picture(wmap: projection.WordMap, dims: int, labels: bool) -> Picture | None:
    c = st.columns(4)
    perplexity = c[0].slider("Perplexity", 2, 100, 10, key="space_perplexity", bind=B,
                             help="Roughly how many neighbours each point keeps close.", disabled=teacher.locked('space_perplexity'))
    n_iter = c[1].select_slider(
        "Iterations", ITERATION_CHOICES, "auto", key="space_iters", bind=B,
        format_func=lambda v: "auto" if v == "auto" else f"{v:,}",
        help=f"auto: {projection.SMALL_SCHEDULE.n_iter:,} below "
        f"{projection.LARGE_MAP:,} words, {projection.LARGE_SCHEDULE.n_iter:,} from "
        f"{projection.LARGE_MAP:,} (the schedule measured against scikit-learn).",
        disabled=teacher.locked('space_iters'))
    lr = c[2].selectbox("Learning rate", ["auto", 10, 50, 100, 200, 500, 1000],
                        key="space_lr", bind=B,
                        format_func=lambda v: (f"auto: {projection.AUTO_LEARNING_RATE_RULE}" if v == "auto"
                                             else str(v)),
                        disabled=teacher.locked('space_lr'))
    seed = c[3].number_input("Seed", 0, MAX_SEED, 0, key="space_seed", bind=B, disabled=teacher.locked('space_seed'))
    n = len(wmap.words)
    if n < projection.MIN_TSNE_POINTS:
        st.info(f"t-SNE needs at least {projection.MIN_TSNE_POINTS} words; the map has {n}.")
        return None
    used, note = projection.fit_perplexity(n, perplexity)
    if note:
        st.info(note)
    cfg = projection.TSNEConfig(dims, used, None if n_iter == "auto" else int(n_iter),
                                None if lr == "auto" else float(lr),
                                int(seed))
    spec = background.tsne_job(wmap.matrix, cfg)
    asked = background.lookup(spec[0])  # computed before, or under way, by anyone: no wait
    if asked is not None and asked.state != "failed":
        job = background.settle(asked)
    else:
        steps = tsne_steps(n, cfg)
        if steps > TSNE_BUDGET:
            st.warning(
                f"This t-SNE is too long for a shared server: {n:,} words × "
                f"{tsne_iterations(n, cfg):,} iterations"
                + (" in 3-D (which counts 2.5 times)" if dims == 3 else "")
                + f" is {steps / 1e6:.1f} million point-steps; a picture may take at most "
                f"{TSNE_BUDGET / 1e6:g} million (for example 3,000 words × 1,000 iterations in "
                "2-D, or 3,000 × 500 in 3-D). Choose fewer iterations or fewer words.")
            return None
        # a long computation starts on an explicit action, never on each step of a slider
        if not st.button(f"Draw the t-SNE of these {n} words", key="space__tsne_go",
                         type="primary", icon=":material/scatter_plot:"):
            st.info("t-SNE takes up to ten seconds (3,000 words: about 3 s): set the words "
                    "and the settings, then press the button. It runs in the background, one "
                    "picture at a time for each student, and every result is remembered for "
                    "the whole class.")
            return None
        job = background.ask_for(spec)
    if job is None:
        return None
    result = job.result
    titles = [f"t-SNE {i + 1}" for i in range(dims)]
    trust = cached_trust(wmap.matrix, result.coords)
    return Picture(result.coords, titles, (
        f"t-SNE, perplexity {result.perplexity:g}, seed {seed}: trustworthiness {trust:.3f} "
        "(1 = every word's 10 nearest on the picture are truly near). Distances between "
        "clusters mean little in t-SNE; change the seed and the layout moves."), labels)


def _clicked_point() -> None:
    """A point was clicked: its word becomes the word studied below (and asked about)."""
    points = (st.session_state.get("space_chart_map") or {}).get("selection", {}).get("points")
    word = next((p["customdata"][0] for p in points or [] if p.get("customdata")), None)
    if word and not teacher.locked("space_word"):
        st.session_state["space_word"] = word


@guarded
def map_section(src: Source, wmap: projection.WordMap, focus: str | None, near: list[str],
                pairs: list[tuple[str, str]]):
    options = []
    pic = project(wmap, options)
    if pic is None:
        return None
    if focus and focus not in wmap.words:
        st.caption(f"“{md_escape(focus)}” is not on this map: add it under *Add words* "
                   "to see where it lands.")
    dims = pic.coords.shape[1]
    if pairs:
        pairs = pairs if options[0].toggle("Join the pairs", value=True, key="space_pairs", bind=B,
                                   help="Lines from each word to its partner (france → "
                                        "paris). Parallel lines are why analogies work.", disabled=teacher.locked('space_pairs')) else []
    fig = figs.space_scatter(pic.coords, wmap.words, wmap.categories, labels=pic.labels,
                             highlight=focus, neighbours=near, pairs=pairs,
                             axis_titles=pic.axis_titles, height=700 if dims == 3 else 620)
    if dims == 2:  # click a point to study that word, as in the Embedding Projector
        show_chart(fig, key="space_chart_map", on_select=_clicked_point,
                   selection_mode="points")
        st.caption(pic.caption + " Click a point to find its nearest words in all "
                   f"{wmap.matrix.shape[1]} dimensions.")
    else:
        show_chart(fig, key="space_chart_map")
        st.caption(pic.caption)
    if pic.variance is not None:
        show_chart(figs.explained_variance_bars(pic.variance, dims,
                                                     "Explained variance per component"),
                        key="space_chart_variance")
    return pic.coords


# -- neighbours, similarities, analogies ---------------------------------------------------


def pick_word(src: Source, wmap: projection.WordMap) -> tuple[str | None, bool, str, int]:
    """The word to study (typed, or the map's first word), whether it was typed, metric, k."""
    c = st.columns([2, 1, 1])
    labelled = [w for w in wmap.words if wmap.categories.get(w, "other") != "other"]
    default = (labelled or wmap.words or src.words)[0]  # a word of some category, if any
    with c[0]:
        typed = typed_words("space_word", "Find a word", "Highlighted on the map with its "
                            "nearest neighbours, and listed below.", f"e.g. {default}")
    metric = c[1].radio("Distance", list(similarity.METRICS), key="space_metric", bind=B,
                        horizontal=True, disabled=teacher.locked('space_metric'))
    k = c[2].slider("Neighbours", 1, 25, 8, key="space_k", bind=B, disabled=teacher.locked('space_k'))
    word = typed[0] if typed else default
    if len(typed) > 1:
        st.caption(f"One word at a time: using “{md_escape(word)}”.")
    if word not in src.index:
        name_unknown([word], src)
        return None, False, metric, k
    return word, bool(typed), metric, k


def neighbours_on_map(wmap, word, metric, k) -> list[similarity.Neighbour]:
    if word not in wmap.words:
        return []
    return similarity.neighbours(wmap.words, wmap.matrix, word, k, metric)


SEARCH_SCOPES = {30_000: "30,000 most frequent words", 100_000: "100,000 most frequent words",
                 400_000: "all 400,000 words"}


def pick_search_scope(src: Source) -> int | None:
    """How many of GloVe's words neighbours and analogies search (None: all of a model's).

    GloVe lists its words most frequent first; its rare tail holds junk tokens (over all
    400,000 words the nearest to "paris" is "prohertrib"), so the default searches the
    100,000 most frequent, as gensim's ``restrict_vocab`` does."""
    if src.key != "glove":
        return None
    return st.selectbox("Neighbours and analogies search", list(SEARCH_SCOPES), index=1,
                        format_func=SEARCH_SCOPES.get, key="space_search", bind=B,
                        help="GloVe's rarest words include junk tokens from the web "
                        "(try “paris” over all 400,000).", disabled=teacher.locked('space_search'))


def scope_words(src: Source, restrict: int | None) -> str:
    if restrict is None or restrict >= len(src.words):
        return f"all {len(src.words):,} words of {src.name}"
    return f"the {restrict:,} most frequent words of {src.name}"


@guarded
def neighbours_section(src: Source, word: str, metric: str, k: int, restrict: int | None):
    found = similarity.neighbours(src.words, src.matrix, word, k, metric, src.norms, src.index,
                                  restrict=restrict)
    if not found:
        st.info(f"“{md_escape(word)}” has no neighbours to show ({src.name} has no other "
                "word with a direction).")
        return
    title = f"Nearest to “{word}” among {scope_words(src, restrict)}"
    show_chart(figs.score_bars([f.word for f in found], [f.score for f in found],
                                    metric, title), key="space_chart_neighbours")
    if metric == "cosine":
        st.caption("Cosine similarity: 1 = same direction, 0 = unrelated, -1 = opposite.")
    else:
        st.caption("Euclidean distance: smaller is nearer. Frequent words have longer "
                   "vectors, which is why word vectors are usually compared by cosine.")


def quiz(src: Source, wmap, coords, word: str) -> bool:
    """Which of four words on the map is nearest to ``word`` in all dimensions?

    Returns whether the answer may be shown (revealed, or no question could be asked)."""
    if coords is None or word not in wmap.words or len(wmap.words) < 6:
        st.caption("The prediction question needs a map of at least 6 words that shows "
                   "the word you search.")
        return True
    ranked = similarity.neighbours(wmap.words, wmap.matrix, word, len(wmap.words), "cosine")
    i = wmap.words.index(word)
    flat = np.linalg.norm(coords - coords[i], axis=1)  # distances on the picture
    flat[i] = np.inf
    looks_nearest = wmap.words[int(np.argmin(flat))]
    options = list(dict.fromkeys([ranked[0].word, looks_nearest] +
                                 [nb.word for nb in ranked[1:]]))[:4]
    options = sorted(options)
    score = {nb.word: nb.score for nb in ranked}
    pos = {w: float(flat[wmap.words.index(w)]) for w in options}
    rows = "\n".join(f"| {md_escape(w)} | {score[w]:.3f} | {pos[w]:.2f} |" for w in options)
    verdict = ("The picture agrees: the nearest point on it is the true nearest word."
               if looks_nearest == ranked[0].word else
               f"The picture misleads here: “{md_escape(looks_nearest)}” *looks* nearest, "
               "because squeezing all dimensions into a few distorts distances.")
    return predict_then_reveal(
        "space_quiz",
        f"Among these words on the map, which is nearest to **“{md_escape(word)}”** by "
        f"cosine similarity in all {wmap.matrix.shape[1]} dimensions?",
        options, ranked[0].word,
        f"| word | cosine to “{md_escape(word)}” | distance on the picture |\n|---|---|---|\n"
        f"{rows}\n\n{verdict}",
        context=(src.key, src.step, word, tuple(wmap.words), coords.shape[1]),
    )


@guarded
def similarity_section(src: Source, wmap, metric: str):
    typed = typed_words("space_compare", "Words to compare",
                        f"Up to {MAX_COMPARED_WORDS} words; empty: 10 words of the map, taken "
                        "from each category in turn.",
                        "e.g. " + " ".join(wmap.words[:4]))
    if not typed:
        st.caption("Showing 10 words of the map, taken from each category in turn.")
    default = similarity.across_categories(wmap.words, wmap.categories, 10)
    words, unknown = similarity.split_known(typed or default, src.index)
    name_unknown(unknown, src)
    if len(words) > MAX_COMPARED_WORDS:
        st.warning(f"Only the first {MAX_COMPARED_WORDS} words are compared.")
        words = words[:MAX_COMPARED_WORDS]
    if len(words) < 2:
        st.info("Type at least two known words to compare them.")
        return
    vectors = np.asarray(src.matrix[[src.index[w] for w in words]])  # (n, dim)
    values = similarity.similarity_matrix(vectors, metric)
    label = "Cosine similarity" if metric == "cosine" else "Euclidean distance"
    show_chart(figs.similarity_heatmap(words, values, metric, f"{label} of every pair"),
                    key="space_chart_similarity")


def _preset(a: str, b: str, c: str) -> None:
    st.session_state.update(space_a=a, space_b=b, space_c=c)


ANALOGY_DEFAULTS = {"space_a": "king", "space_b": "man", "space_c": "woman"}


@guarded
def analogy_section(src: Source, restrict: int | None):
    if src.key == "glove":  # the presets are GloVe's words
        cols = st.columns(len(ANALOGY_PRESETS))
        for col, (a, b, c) in zip(cols, ANALOGY_PRESETS):
            col.button(f"{a} − {b} + {c}", key=f"space__preset_{a}", on_click=_preset,
                       args=(a, b, c), width="stretch")
    c = st.columns([1, 1, 1, 1])
    words = []
    defaults = ANALOGY_DEFAULTS
    if src.key == "model":  # start from words this model knows (its three most frequent
        known = [w for w in src.words if any(ch.isalpha() for ch in w)][:3]  # real words)
        defaults = dict(zip(ANALOGY_DEFAULTS, known)) if len(known) == 3 else defaults
    for key, default in defaults.items():  # defaults through Session State only, so
        if key not in st.session_state and key not in st.query_params:  # a preset raises no
            st.session_state[key] = default  # warning; a link's own value still wins
        elif src.key == "model" and st.session_state.get(key) == ANALOGY_DEFAULTS[key] \
                and ANALOGY_DEFAULTS[key] not in src.index:
            st.session_state[key] = default  # GloVe's default, unknown to this model
    for col, key, sign in zip(c, ANALOGY_DEFAULTS, ["a", "− b", "+ c"]):
        with col:
            typed = tokenize(capped(st.text_input(sign, key=key, bind=B, disabled=teacher.locked(key)),
                                    MAX_TYPED_CHARS, "word"))
            words.append(typed[0] if typed else "")
    k = c[3].slider("Answers", 1, 20, 5, key="space_analogy_k", bind=B, disabled=teacher.locked('space_analogy_k'))
    if not all(words):
        st.info("Type one word in each of the three boxes.")
        return
    _, unknown = similarity.split_known(words, src.index)
    if unknown:
        name_unknown(unknown, src)
        return
    a, b, c_ = words
    answers = similarity.analogy(src.words, src.matrix, a, b, c_, k, src.norms, src.index,
                                 restrict=restrict)
    if not answers:
        st.info(f"{src.name} has no other words to answer with.")
        return
    st.markdown(f"#### {md_escape(a)} − {md_escape(b)} + {md_escape(c_)} ≈ "
                f"**{md_escape(answers[0].word)}** (cosine {answers[0].score:.3f})")
    show_chart(figs.score_bars([x.word for x in answers], [x.score for x in answers],
                                    "cosine", "Best answers (the three input words left out)"),
                    key="space_chart_analogy")
    st.caption(f"Answers searched among {scope_words(src, restrict)}.")
    raw = similarity.analogy(src.words, src.matrix, a, b, c_, 1, src.norms, src.index,
                             exclude_inputs=False, restrict=restrict)[0]
    if raw.word in words:
        st.caption(f"As is standard, the input words are left out: otherwise the answer would "
                   f"be “{md_escape(raw.word)}” itself (cosine {raw.score:.3f}), because "
                   "a − b + c usually stays closest to one of its own inputs.")


@guarded
def export_section(src: Source, wmap, coords) -> None:
    st.markdown("Open [projector.tensorflow.org](https://projector.tensorflow.org), press "
                "*Load*, and give it these two files to explore the same words in 3-D.")
    c = st.columns(3)
    c[0].download_button("vectors.tsv", lambda: projection.projector_files(
        wmap.words, wmap.matrix, wmap.categories)[0], "vectors.tsv", "text/tab-separated-values",
        key="space__dl_vectors", icon=":material/download:", on_click="ignore")
    c[1].download_button("metadata.tsv", lambda: projection.projector_files(
        wmap.words, wmap.matrix, wmap.categories)[1], "metadata.tsv",
        "text/tab-separated-values", key="space__dl_metadata", icon=":material/download:",
        on_click="ignore")
    if coords is not None:
        c[2].download_button("coordinates.csv", lambda: projection.coordinates_csv(
            wmap.words, coords, wmap.categories), f"{src.key}_coordinates.csv", "text/csv",
            key="space__dl_coords", icon=":material/download:", on_click="ignore")
    st.caption(f"{len(wmap.words)} words × {wmap.matrix.shape[1]} numbers from {src.name}.")


# -- the page ------------------------------------------------------------------------------

st.title("5 · Explore the space")
teacher.explain(
    "A trained embedding puts words with similar uses near each other. Here you look at "
    "that space: squeezed onto the screen with **PCA** or **t-SNE**, word by word with "
    "**nearest neighbours**, as a **similarity matrix**, and with **analogies** such as "
    "*king − man + woman*. Use your own model from lesson 3, or GloVe: 400,000 words "
    "learned from 6 billion words of Wikipedia and news."
)
source = pick_source()
word_map, word_pairs = pick_map(source)
st.subheader("The map")
map_box = st.container()  # the map first, the word to study under it (issue #27)
focus, searched, metric, k = pick_word(source, word_map)
marked = focus if searched else None  # the map marks a word only when it is searched for
# its neighbours are ringed on the map only once the question below is answered (with one
# neighbour the ring would be the answer)
answered_before = st.session_state.get("space_quiz__revealed", False)
near = ([nb.word for nb in neighbours_on_map(word_map, marked, metric, k)]
        if marked and answered_before else [])
with map_box:
    if len(word_map.words) < 2:
        st.info("The map needs at least two known words: choose a list or add words above.")
        map_coords = None
    else:
        map_coords = map_section(source, word_map, marked, near, word_pairs)
search_scope = pick_search_scope(source)
if focus:
    st.subheader(f"Neighbours of “{md_escape(focus)}”")
    answered = quiz(source, word_map, map_coords, focus)
    if answered or st.toggle("Show the neighbours without predicting", key="space__skip_quiz"):
        neighbours_section(source, focus, metric, k, search_scope)
    else:
        st.caption("Predict first: the neighbours chart gives the answer away.")
st.subheader("Similarity matrix")
similarity_section(source, word_map, metric)
st.subheader("Analogies: a − b + c")
analogy_section(source, search_scope)
st.subheader("Export")
if word_map.words:
    export_section(source, word_map, map_coords)
else:
    st.info("Nothing to export: the map is empty.")

next_lesson_link()
