"""The sandbox tests share the connector tests' session server and per-test reset."""

from tests.connectors.conftest import sandbox, sandbox_server

__all__ = ["sandbox", "sandbox_server"]
