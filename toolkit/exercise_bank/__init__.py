"""The exercises of each notebook, one module per notebook (``nbNN.py``).

:mod:`toolkit.exercises` imports every module here the first time an exercise is checked, so a
new notebook's exercises only need a new file; nothing else has to change.
"""
