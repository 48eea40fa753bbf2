"""The only Streamlit-aware helpers the lesson pages share (the core, ``embedviz``, has none).

Conventions every page follows:
- every widget that defines what a lesson shows has a ``key`` prefixed with the page's slug
  (``words_``, ``onehot_``, ``train_``, ``grads_``, ``space_``) and ``bind=BIND``, so the
  view is in the URL and a teacher can share it;
- ``app.py`` runs every page inside :func:`ui.guard.guarded` (and pages wrap their fragments
  in it) so an unexpected error becomes a plain message, never a traceback;
- text typed by a student is shown with ``st.text``, ``st.code`` or a dataframe, or through
  :func:`ui.text.md_escape` (or :func:`ui.text.md_code`), never rendered as Markdown or HTML.
"""

BIND = "query-params"
