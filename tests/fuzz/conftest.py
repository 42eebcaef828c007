"""pytest wiring of the fuzz run: only when SHELF_FUZZ names a profile (`make fuzz`, `make test`).

The suite's own runs (`pytest tests`, `-n 2`) never collect it: it needs its own stack and one
worker (chalice local shares `app.current_request` across its threads).

- session start: the stack, the seeds and the document (tests/fuzz/harness.py:open_session),
  before collection, which builds one test per operation from that document;
- collection: each test keeps its callers of each operation (harness.served_callers for
  test_served_caller, harness.other_callers for test_other_caller);
- each test's failure is tallied by kind; the summary closes the run.
"""

from __future__ import annotations

import os
import signal

import pytest

from tests.fuzz import harness

collect_ignore_glob = [] if os.environ.get("SHELF_FUZZ") else ["test_*.py"]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("SHELF_FUZZ") and not config.pluginmanager.has_plugin("schemathesis"):
        # pyproject.toml keeps schemathesis' plugin out of the suite's runs (~4 s of imports
        # each); the fuzz run asks for it
        raise pytest.UsageError("the fuzz run needs schemathesis' pytest plugin: `make fuzz`, "
                                "or add `-p schemathesis`")


def pytest_sessionstart(session: pytest.Session) -> None:
    if not os.environ.get("SHELF_FUZZ"):
        return
    # a SIGTERM (timeout, CI) ends the run as Ctrl-C does, so sessionfinish stops the stack
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")

    def progress(line: str) -> None:
        reporter.write_line(line)

    harness.SESSION = harness.open_session(progress)
    chosen = harness.SESSION.profile
    progress(f"fuzz profile {chosen.name}, seed {harness.SESSION.seed} (SHELF_FUZZ_SEED replays "
             f"it); per operation and caller, served: {_budget(chosen.served)}; others: "
             f"{_budget(chosen.others) if chosen.others else 'not called'}; whole run: "
             f"{f'{chosen.run_seconds:g}s' if chosen.run_seconds else 'unbounded'}")


def _budget(budget: harness.Budget) -> str:
    phases = (f"examples, coverage ({budget.coverage_mode}), fuzzing" if budget.coverage
              else "examples, fuzzing")
    return (f"{budget.max_examples} generated examples ({phases} phases), at most "
            f"{budget.max_requests} requests in {budget.seconds:g}s")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    harness.close_session()


def pytest_collection_finish(session: pytest.Session) -> None:
    harness.RUN.restart()  # the run's time bound counts from the first test


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if harness.SESSION is None:
        return
    paths = harness.SESSION.document["paths"]
    keep, drop = [], []
    for item in items:
        label = getattr(item, "operation_label", None)
        caller = getattr(item, "callspec", None) and item.callspec.params.get("caller")
        if label is None or caller is None:
            keep.append(item)
            continue
        method, path = label.split(" ", 1)
        operation = paths[path][method.lower()]
        served = item.originalname.split("[")[0] == "test_served_caller"
        wanted = (harness.served_callers if served else harness.other_callers)(operation)
        (keep if caller in wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.when == "call" and report.failed and call.excinfo is not None:
        where = f"{getattr(item, 'operation_label', item.name)} as {item.callspec.params['caller']}"
        for kind in _failure_kinds(call.excinfo.value):
            harness.RUN.failures[kind].append(where)
    return report


def _failure_kinds(error: BaseException) -> list[str]:
    """The kinds of the failures in `error` (schemathesis groups them), or what else broke."""
    from schemathesis.core.failures import Failure

    if isinstance(error, BaseExceptionGroup):
        kinds = []
        for inner in error.exceptions:
            kinds += _failure_kinds(inner)
        return sorted(set(kinds))
    if isinstance(error, Failure):
        return [error.title if type(error).__name__ == "CustomFailure" else error.kind_title]
    return [f"error: {type(error).__name__}"]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if harness.SESSION is None:
        return
    terminalreporter.section(f"fuzz summary ({harness.SESSION.profile.name})")
    for line in harness.RUN.summary():
        terminalreporter.write_line(line)
