"""One process of the search concurrency test, run against the moto server over HTTP.

    python -m tests.integration.search_worker <command> [args]

  index ROUNDS ID...   index each product ROUNDS times, as redelivered stream records would
  check                every term's df against its postings and the corpus against the docs,
                       as JSON (a Scan: test inspection only)
"""

from __future__ import annotations

import json
import sys
from collections import Counter

from chalicelib.services.search_index import index_product
from chalicelib.store.search_index import HEADER, DocModel, PostingModel, corpus_size


def index(rounds: str, *product_ids: str) -> None:
    for _ in range(int(rounds)):
        for product_id in product_ids:
            index_product(product_id)


def check() -> None:
    postings, headers = Counter(), {}
    for model in PostingModel.scan():
        if model.doc == HEADER:
            headers[model.term] = int(model.df)
        else:
            postings[model.term] += 1
    wrong = {term: (headers.get(term), postings[term])
             for term in set(headers) | set(postings) if headers.get(term, 0) != postings[term]}
    print(json.dumps({"terms": len(postings), "postings": sum(postings.values()),
                      "wrong_df": wrong, "docs": DocModel.count(), "corpus": corpus_size()},
                     ensure_ascii=False))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"index": index, "check": check}[command](*args)
