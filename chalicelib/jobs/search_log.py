"""Scheduled bodies of the search aids: the hot-queries summary and the suggestion lists.

Both are single bounded passes over one business day's query log (and, for suggestions, the
catalogue dictionary), short enough for one invocation, so they do not go through the chunked
runner (chalicelib.jobs.runner). Each rewrites its whole result, so a rerun is harmless.
"""

from __future__ import annotations


def refresh_hot_queries() -> dict:
    from chalicelib.services import search_log

    return search_log.refresh_hot_queries()


def rebuild_suggestions() -> dict:
    from chalicelib.services import suggestions  # the dictionary loads with this job only

    return suggestions.rebuild_suggestions()
