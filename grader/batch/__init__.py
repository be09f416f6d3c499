"""Batch grading of a whole class: `run_batch` grades a folder or Gradescope export and writes every output."""

from grader.batch.runner import BatchSummary, OutputError, run_batch
from grader.batch.sources import SourceError

__all__ = ["BatchSummary", "OutputError", "SourceError", "run_batch"]
