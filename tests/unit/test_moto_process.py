"""make run's moto process relays its preparation and says how it ended."""

import io

import pytest

from local.moto_server import PREPARED, MotoProcess, PreparationFailed


class FinishedProcess:
    def __init__(self, output: str, code: int = 0):
        self.stdout = io.StringIO(output)
        self.code = code

    def wait(self):
        return self.code


def process_printing(output: str, code: int = 0) -> MotoProcess:
    process = MotoProcess.__new__(MotoProcess)  # no child: only its output matters here
    process.process = FinishedProcess(output, code)
    return process


def test_progress_lines_are_relayed_until_the_preparation_says_it_loaded_the_demo_data():
    relayed = []
    process = process_printing(f"==> tables and queue\n  demo data: 28 shops created\n"
                               f"{PREPARED}loaded the demo data\nlater line\n")
    assert process.wait_prepared(relayed.append) is True
    assert relayed == ["==> tables and queue", "  demo data: 28 shops created"]


def test_a_database_that_had_data_is_reported_as_kept():
    process = process_printing(f"{PREPARED}kept the data it had\n")
    assert process.wait_prepared(lambda line: None) is False


def test_a_preparation_that_exits_early_fails_with_its_exit_code():
    relayed = []
    process = process_printing("==> settings: SHELF_STAGE is not set\n", code=2)
    with pytest.raises(PreparationFailed) as failed:
        process.wait_prepared(relayed.append)
    assert failed.value.args == (2,)
    assert relayed == ["==> settings: SHELF_STAGE is not set"]
