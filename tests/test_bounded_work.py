"""Pages keep their long work bounded (issue #26): lesson 5 refuses a t-SNE over its budget
in plain words, and within it offers the button."""

from __future__ import annotations

from tests.apptest_helpers import assert_clean, open_page


def test_a_tsne_over_the_budget_is_refused_and_one_within_it_is_offered():
    at = open_page("space")
    at.selectbox(key="space_words").set_value("top").run()
    at.slider(key="space_n").set_value(3000).run()
    at.radio(key="space_method").set_value("t-SNE").run()
    at.radio(key="space_dims").set_value(3).run()
    at.select_slider(key="space_iters").set_value(1000).run()
    assert_clean(at)
    refusals = [w.value for w in at.warning if "too long for a shared server" in w.value]
    assert refusals and "7.5 million point-steps" in refusals[0], [w.value for w in at.warning]
    assert not [b for b in at.button if b.key == "space__tsne_go"]
    at.select_slider(key="space_iters").set_value(500).run()  # 3,000 × 500 × 2.5 = 3.75 M
    assert not [w for w in at.warning if "too long for a shared server" in w.value]
    assert [b for b in at.button if b.key == "space__tsne_go"]
