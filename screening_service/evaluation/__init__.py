"""Evaluation of a rule pack, independent of the pack.

An evaluation population written from public trafficking case typologies
and lawful look-alikes (``population``, ``typologies``, ``lawful``,
``background``, ``labels``), replay metrics over plain data (``metrics``),
and their text and HTML reports. Nothing here imports the rule language or
reads the rule pack: the population must not be shaped by what it measures
(tests/evaluation/test_independence.py checks the imports).
"""
