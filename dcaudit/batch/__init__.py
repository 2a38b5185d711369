"""Batch audits of many public bodies on one method, compared with stated uncertainty.

``bodies`` reads the list of bodies, ``ledger`` keeps each batch and its bodies in the run
store, ``runner`` audits the bodies one by one through the ordinary pipeline (so each body
is a normal run), ``figures`` measures each body's run and ``compare`` builds the
comparison (league table with bootstrap rank intervals, groupings, trends, method).
"""
