"""`grader review`: a local page that walks a batch's answer groups and flagged answers and records decisions."""

from grader.review.items import NotGraded, ReviewList, load_review
from grader.review.server import ReviewServer, serve_review

__all__ = ["NotGraded", "ReviewList", "ReviewServer", "load_review", "serve_review"]
