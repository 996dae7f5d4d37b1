"""Generated bad input (hypothesis) over the public functions of every ``toolkit`` module.

- ``strategies``: the shared generators (frames, labels, scores, any Python value, JSON-like
  records), the one call check every test uses, the case counter and the settings profile;
- ``test_*``: one file per group of modules; each file's docstring lists its example counts.

The session prints how many cases ran, in total and per function (``conftest.py``).
"""
