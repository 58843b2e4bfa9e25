"""The indicator relation (docs/indicators.md): what each ``NUM`` measures.

- :mod:`govtag.indicators.rules`: the rules extractor (metric, kind, period, subject).
- :mod:`govtag.indicators.normalize`: metric keys, so that one indicator matches across reports.
- :mod:`govtag.indicators.evaluate`: the metrics against an indicators gold file.
"""
