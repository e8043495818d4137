"""Pages for people: a checked call, and the overview of a batch (``servicecheck report``)."""

from .call import render_call_page

__all__ = ["render_call_page"]
