"""Batch grading of a whole class: `run_batch` grades a folder or Gradescope export and writes every output.

Three stages whose imports run one way, outputs -> run -> intake: `intake` (what to grade), `run` (workers, the
journal, the run's store) and `outputs` (statistics, overrides, CSVs, the report); `runner` drives all three.
"""

from grader.batch.intake.sources import SourceError
from grader.batch.runner import BatchSummary, OutputError, run_batch

__all__ = ["BatchSummary", "OutputError", "SourceError", "run_batch"]
