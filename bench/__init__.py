"""evaltool's benchmark suite: speed figures beside named baselines measured in the same run.

Run ``python -m bench`` (or ``make bench``); ``python -m bench --quick`` is a smoke run on tiny
data. See ``bench/README.md`` for the contract every ``bench_*.py`` module follows.
"""
