"""The bundled demo site: a fictional bilingual Welsh council website served on loopback.

``README.md`` in this folder describes its pages, interactions and deliberate accessibility
failures; ``ground_truth.yaml`` lists every interaction with its expected classification.
"""

from dcaudit.demo.server import DemoServer, ground_truth_path, site_root

__all__ = ["DemoServer", "ground_truth_path", "site_root"]
