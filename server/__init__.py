"""Server-side state shared by the sessions of a class (issue #29, ``docs/class-mode.md``).

Neither the lessons' core (``embedviz``, which teaches and never knows about sessions) nor the
pages (``ui``, ``lessons``): plain Python, no Streamlit, so it is tested on its own against both
stores.

- ``store``: the one small store interface, in-process (one server) or Redis (replicas);
- ``classes``: a class: join code, teacher token, members, polls, pause, "bring everyone",
  the race on lesson 3, and the abuse rules.
"""
