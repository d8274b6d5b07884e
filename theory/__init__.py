"""Closed forms and symbolic proof steps of "Ascent Fails to Forget" (arXiv 2509.26427).

One module per result; each module docstring states the result in the paper's symbols, maps them to the
parameter names used in code, and carries the tag ``[paper]`` or ``[reconstructed]`` of
``docs/theory.md#tags-paper-and-reconstructed``.
"""
