"""Lesson 7's page under AppTest: merges stepped, the text changed, numbers checked against
``tokenizers`` and the core, every hostile input through the page's text boxes."""

from __future__ import annotations

import pytest

from embedviz import subwords as sw
from tests.apptest_helpers import assert_clean, chart_spec, open_page, plotly_array, wide_tables
from tests.test_subwords import hf_bpe


@pytest.fixture(scope="module")
def page():
    return open_page("subwords")


def shown_pieces(at) -> list[str]:
    """The pieces row of the sentence's table in the BPE section."""
    for v in wide_tables(at, "piece"):
        return list(v.loc["piece"])
    raise AssertionError("no pieces table on the page")


def test_merge_chart_and_step_button(page):
    at = page
    bpe = sw.bpe_for_text(sw.builtin_text("python"), "characters")
    spec = chart_spec(at, "sub_merge_chart")
    ks, tokens, vocab = bpe.curve()
    assert list(plotly_array(spec["data"][0]["y"])) == list(tokens)
    assert list(plotly_array(spec["data"][1]["y"])) == list(vocab)
    k = at.slider(key="sub_merges").value
    at.button(key="sub__step").click().run()
    assert_clean(at)
    assert at.slider(key="sub_merges").value == k + 1
    tok = hf_bpe(sw.builtin_text("python"), "characters", bpe.vocab_size(k + 1))
    assert shown_pieces(at) == tok.encode(" ".join(sw.tokenize(
        "The refrigerator was unrefrigerated."))).tokens
    assert any(f"Merge {k + 1:,}" in m.value for m in at.markdown)


def test_slider_beyond_the_text_says_so_and_bytes_show_bytes(page):
    at = page
    at.selectbox(key="sub_text").set_value("reviews").run()
    at.radio(key="sub_alphabet").set_value("bytes").run()
    at.text_input(key="sub_sentence").set_value("I love 🐱 unrefrigerated").run()
    at.slider(key="sub_merges").set_value(sw.MAX_MERGES).run()
    assert_clean(at)
    bpe = sw.bpe_for_text(sw.builtin_text("reviews"), "bytes")
    assert any(f"only {len(bpe.merges):,} merges" in w.value for w in at.warning)
    pieces = shown_pieces(at)
    expected, _ = bpe.encode("I love 🐱 unrefrigerated", len(bpe.merges))
    assert pieces == [sw.show_piece(p, "bytes") for p in expected]
    assert pieces[3:7] == ["<F0>", "<9F>", "<90>", "<B1>"]  # the cat emoji: 4 bytes, not text
    at.slider(key="sub_merges").set_value(0).run()
    assert shown_pieces(at)[-4:] == list("ated")


def test_real_wordpiece_and_the_unseen_word_quiz(page):
    at = page
    at.text_input(key="sub_sentence").set_value("The refrigerator was unrefrigerated.").run()
    tok = sw.real_split("The refrigerator was unrefrigerated.")
    tables = wide_tables(at, "token")
    assert tables and list(tables[0].loc["token"]) == tok.tokens
    assert not any("sub_neigh_chart" in (c.proto.id or "") for c in at.get("plotly_chart"))
    radio = next(r for r in at.radio if r.key == "sub_quiz_nearer__choice")
    radio.set_value("the mean of its pieces").run()
    at.button(key="sub_quiz_nearer__reveal").click().run()
    assert_clean(at)
    pv = sw.pieces_vector("doglike", "dog")
    assert any(f"{pv.cos_mean_related:.2f}" in m.value for m in at.markdown)
    spec = chart_spec(at, "sub_neigh_chart")
    assert list(spec["data"][0]["customdata"])[::-1] == [n.word for n in pv.neighbours]


def test_trade_off_chart_is_the_core_s(page):
    at = page
    at.selectbox(key="sub_text").set_value("python").run()
    at.radio(key="sub_alphabet").set_value("characters").run()
    points = sw.trade_off(sw.builtin_text("python"), "characters")
    spec = chart_spec(at, "sub_trade_chart")
    xs = [x for trace in spec["data"] for x in plotly_array(trace["x"])]
    ys = [y for trace in spec["data"] for y in plotly_array(trace["y"])]
    assert xs == [p.vocab_size for p in points]
    assert ys == pytest.approx([p.tokens_per_sentence for p in points])


def test_quiz_pieces_answer_is_the_core_s(page):
    at = page
    bpe = sw.bpe_for_text(sw.builtin_text("python"), "characters")
    answer = len(bpe.encode_word("unbelievably", 200))
    radio = next(r for r in at.radio if r.key == "sub_quiz_pieces__choice")
    radio.set_value(answer).run()
    at.button(key="sub_quiz_pieces__reveal").click().run()
    assert any(s.value.startswith("Right") for s in at.success)


def test_every_bad_input_in_every_text_box(bad_inputs):
    at = open_page("subwords")
    at.selectbox(key="sub_text").set_value("own").run()
    for name, text in bad_inputs:
        at.text_area(key="sub__own_text").set_value(text).run()
        at.text_input(key="sub_sentence").set_value(text).run()
        at.text_input(key="sub_unseen").set_value(text[:200]).run()
        assert_clean(at), name
    at.text_area(key="sub__own_text").set_value("").run()
    assert any("Paste a text" in i.value for i in at.info)
    at.text_area(key="sub__own_text").set_value("x" * (sw.MAX_TEXT_CHARS + 5)).run()
    assert any("only the first" in w.value for w in at.warning)


def test_the_real_section_says_what_the_tokenizer_does(page):
    """Special tokens typed in a sentence are not "cut" text; a long sentence is cut by the
    tokenizer (not the model), the [UNK] sentence is computed, and pieces show no
    Markdown escapes."""
    from embedviz import minilm, units

    at = page
    at.text_input(key="sub_sentence").set_value("[CLS] hello world").run()
    assert_clean(at)
    assert not any("cut" in c.value or "at most" in c.value for c in at.caption)
    tables = wide_tables(at, "token")
    assert list(tables[0].loc["token"]) == ["[CLS]", "hello", "world"]
    text = "😀 " * 200
    at.text_input(key="sub_sentence").set_value(text).run()
    cut = next(c.value for c in at.caption if "cuts every text" in c.value)
    split = sw.real_split(text)
    assert f"first {split.max_tokens} of this sentence's 200 tokens" in cut
    assert f"{minilm.config()['max_position_embeddings']} positions" in cut
    body = " ".join(m.value for m in at.markdown)
    assert units.show_bytes(30_522 * 384 * 4) in body and "46.9 MB" in body
    assert "“dogs😀cats” is `[UNK]`" in body and "None of the 1," in body
    pieces = " · ".join(f"`{p}`" for p in sw.real_split("doglike").tokens)
    assert f"is {pieces} (IDs" in body and "\\#" not in body
