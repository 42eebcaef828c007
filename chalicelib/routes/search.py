"""The search scene: search, suggestions, hot queries; and what ops see of it. No token needed
for shoppers (an optional shopper token is accepted and checked)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, optional_principal, principal_from_headers
from chalicelib.routes._http import json_response, parse_body, parse_query, route

search_api = Blueprint(__name__)
OPS = (Role.OPS,)


@route(search_api, "/search", auth="optional", query="search.SearchParams",
       response="responses.SearchResults")
def search():
    from chalicelib.schemas import views
    from chalicelib.services import search as search_service

    request = search_api.current_request
    optional_principal(request.headers)
    params = parse_query(request)
    answer = search_service.search(search_service.SearchRequest(**params.model_dump()))
    _search_log().record_search(answer.query, answer.total, answer.relaxed,
                                first_page=params.cursor is None)
    return json_response({
        "query": answer.query,
        "relaxed": answer.relaxed,
        "total": answer.total,
        "items": [views.product_card(product, shop, matched)
                  for product, shop, matched in answer.cards],
        "next_cursor": answer.next_cursor,
    })


# --- the query log, hot queries, suggestions (services/search_log.py, services/suggestions.py)

def _search_log():
    from chalicelib.services import search_log  # loads with the first search

    return search_log


@route(search_api, "/search/hot", auth="optional", response="responses.HotQueries")
def hot_queries():
    optional_principal(search_api.current_request.headers)
    return json_response(_search_log().hot_queries())


@route(search_api, "/search/suggest", auth="optional", query="search.SuggestParams",
       response="responses.Suggestions")
def suggest():
    from chalicelib.services import suggestions

    request = search_api.current_request
    optional_principal(request.headers)
    params = parse_query(request)
    query, items = suggestions.suggest_for(params.q)
    return json_response({"query": query,
                          "items": [{"text": text, "kind": kind} for text, kind in items]})


@route(search_api, "/ops/search/blocklist", auth=OPS, response="responses.Blocklist")
def search_blocklist():
    return json_response(_search_log().blocklist(_ops()))


@route(search_api, "/ops/search/blocklist", methods=("PUT",), auth=OPS,
       body="search_log.BlocklistBody", response="responses.Blocklist")
def replace_search_blocklist():
    principal = _ops()  # 403 before the body is looked at
    body = parse_body(search_api.current_request)
    return json_response(_search_log().replace_blocklist(principal, body.queries))


@route(search_api, "/ops/search/zero-results", auth=OPS, query="search_log.ZeroResultsParams",
       response="responses.ZeroResults")
def zero_result_queries():
    principal = _ops()
    params = parse_query(search_api.current_request)
    return json_response(_search_log().zero_results(principal, params.day, params.limit,
                                                    params.cursor))


def _ops():
    return _search_log().authorize_ops(principal_from_headers(search_api.current_request.headers))
