"""Helpers for `tests/test_browser.py`: the course in JupyterLab, driven by Playwright.

- `expectations`: what a notebook file says the browser must show (figures, widget cells);
- `kernel`: the kernel's messages read from the page's websocket;
- `lab`: `make lab` started for the tests, and a notebook opened, run and inspected in it;
- `drivers`: one way to move each kind of widget and see its output change.
"""
