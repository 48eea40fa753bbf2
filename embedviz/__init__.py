"""embedviz: the core of an interactive lesson on embedding layers. No Streamlit in here."""
