"""The unit of work as the clients of the services take it: a Work over one transaction of
the store (see packyard.store.work). The wire and the CLI open one per request or command
and hand it to the use cases; they never see the store behind it."""

from packyard.config import Settings
from packyard.store.engine import Store as Store
from packyard.store.engine import make_engine
from packyard.store.work import Work as Work
from packyard.store.work import unit_of_work as unit_of_work


def store_for(settings: Settings) -> Store:
    """The store the settings name, its connections pooled as they say."""
    return Store(make_engine(settings.store_url, settings.pool))
