"""Evaluation of a rule pack, independent of the pack.

- The population (``screening synth --population evaluation``):
  `output.write_evaluation_population(out, travelers, seed)` writes
  ``NAME.jsonl`` (or ``.jsonl.gz``, ``.parquet``, a directory of partitions)
  and ``NAME.labels.jsonl``; `population.generate_evaluation_population`
  yields the flights, as protobuf JSON bodies built by ``people`` and
  ``records``. Scenarios: ``typologies`` (trafficking cases), ``lawful``
  (look-alikes), ``background``; ground truth: ``labels``.
- Replay as an evaluation, pure over plain data (``metrics``): per chunk
  `tally(outcomes, candidate, baseline)`, then `merge_all`, then
  `build_report`; `evaluate` does the three at once. Inputs are built with
  `outcomes.PackSpec`, `PackOutcome`, `TravelerOutcome` and
  `regions.groups_for`.
- Reports: `text.format_text(report)`, `html.render_html(report)`,
  `report.as_dict()` for JSON.

Nothing here imports the rule language or reads the rule pack: the
population must not be shaped by what it measures
(tests/evaluation/test_independence.py checks the imports).
"""
