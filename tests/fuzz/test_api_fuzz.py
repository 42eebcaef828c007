"""Every operation of the served document (less the test clock), fuzzed by schemathesis with
each caller of the profile. `test_served_caller`: the callers it serves (its roles; anonymous
where it needs no token; a correct signature for the webhooks), with the coverage phase and the
larger budget; `test_other_caller`: anonymous and the other roles (401 and 403 are all they may
get), fewer examples. The checks (tests/fuzz/checks.py): no 5xx; the status, content type,
headers and body as documented; every error in the one shape. Collected only under SHELF_FUZZ
(conftest.py), which also keeps each test to its callers.
"""

from __future__ import annotations

import time

import pytest
import schemathesis

from tests.fuzz import harness
from tests.fuzz.checks import CHECKS

SESSION = harness.SESSION  # opened by conftest.py before collection
PROFILE = SESSION.profile


def _schema(budget: harness.Budget):
    config = schemathesis.Config.from_dict({
        "seed": SESSION.seed,
        "base-url": SESSION.url,
        "request-timeout": harness.REQUEST_TIMEOUT,
        "suppress-health-check": ["all"],  # slow or filtered generation is not a finding
        "cache": {"enabled": False},
        "generation": {"max-examples": budget.max_examples, "no-shrink": True,
                       "database": "none"},
        # a wrong method of the API's own (405); TRACE, CONNECT and the like never reach the app
        # deployed (API Gateway answers them), and locally http.server answers 501 in HTML
        "phases": {"coverage": {"enabled": budget.coverage,
                                "generation": {"mode": budget.coverage_mode},
                                "unexpected-methods": ["GET", "PUT", "POST", "DELETE", "PATCH"]},
                   "stateful": {"enabled": False}},
        "operations": [{"include-name": name,
                        "generation": {"max-examples": PROFILE.expensive_examples}}
                       for name in PROFILE.expensive],
    })
    return schemathesis.openapi.from_dict(SESSION.document, config=config)


served = _schema(PROFILE.served)


@pytest.mark.parametrize("caller", harness.CALLERS)
@served.parametrize()
def test_served_caller(case, caller):
    _fuzz(case, caller, PROFILE.served)


if PROFILE.others is not None:
    others = _schema(PROFILE.others)

    @pytest.mark.parametrize("caller", ("anonymous", *harness.ROLE_CALLERS))
    @others.parametrize()
    def test_other_caller(case, caller):
        _fuzz(case, caller, PROFILE.others)


def _fuzz(case, caller: str, budget: harness.Budget) -> None:
    label = case.operation.label
    tally = harness.RUN.item(label, caller)
    if not tally.failed and _over(label, tally, budget):
        tally.cut = True  # hypothesis goes on generating; nothing more is sent
        return
    session, headers = SESSION.calls[caller]
    tally.sent += 1
    tally.phases[(case.meta.phase.name.value, case.meta.generation.mode.value)] += 1
    try:
        response = case.call(session=session, headers=headers, timeout=harness.REQUEST_TIMEOUT)
        tally.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
    except BaseException:
        tally.failed = True  # hypothesis replays the failing example: it must go out again
        raise


def _over(label: str, tally: harness.ItemTally, budget: harness.Budget) -> bool:
    cap = budget.max_requests
    if label in PROFILE.expensive:
        cap = min(cap, 2 * PROFILE.expensive_examples)
    run_over = PROFILE.run_seconds is not None and harness.RUN.elapsed() > PROFILE.run_seconds
    return tally.sent >= cap or time.monotonic() - tally.started > budget.seconds or run_over
