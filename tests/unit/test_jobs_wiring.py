"""Every job the local runner fires is scheduled in app.py, and the other way round."""

from app import app
from chalicelib.jobs import registry


def test_local_registry_matches_the_deployed_schedules():
    scheduled = {source.name for source in app.event_sources
                 if type(source).__name__ == "ScheduledEventConfig"}
    assert scheduled == set(registry())
