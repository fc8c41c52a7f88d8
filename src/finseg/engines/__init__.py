"""Engines that run the pipeline: ``pandas`` (one process, the default) and ``spark``.

The pandas engine is :func:`finseg.pipeline.run_pipeline`.  The Spark engine
(:func:`finseg.engines.spark.run_spark`, needs ``pip install finseg[spark]`` and Java) runs
the same stage functions on the partitions of a Parquet dataset or a Hive table and records
the run in the store exactly as the pandas engine does; see ``docs/scale.md``.
"""

from __future__ import annotations

__all__ = ["ENGINES"]

#: The engines ``finseg run --engine`` accepts, the default first.
ENGINES = ("pandas", "spark")
