"""Stages of a run that join several packages, so that ``pipeline.py`` only orders them.

- :mod:`~dcaudit.stages.choice`: which stored pages the browser checks.
- :mod:`~dcaudit.stages.browser`: the browser pass fed while the crawl runs.
- :mod:`~dcaudit.stages.browser_findings`: what one browser result adds to the store.
"""
