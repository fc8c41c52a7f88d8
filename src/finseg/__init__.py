"""finseg — customer segmentation for project finance (项目融资客户细分).

From financial statements, operating history and credit records to risk grades, customer
segments, a financing strategy per segment, an optimal allocation of a limited credit budget,
and monitoring over time.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
