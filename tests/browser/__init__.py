"""Browser tests: the real app served by ``streamlit run``, driven in headless Chromium."""
