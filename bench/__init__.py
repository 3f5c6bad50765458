"""`make bench` (= `python -m bench`): seeds small and large data sets, measures, prints a table of
each figure beside its baseline from the same run, and writes it to bench/results/<timestamp>.json."""
