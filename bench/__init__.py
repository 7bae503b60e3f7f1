"""Benchmarks for briefing (``make bench``; never part of ``make test``).

``python -m bench`` runs the scale benchmark (``bench/scale.py``): generated fictional articles
through the real CLI, with the Python-Markdown and MkDocs anchors and the search probe.
"""
