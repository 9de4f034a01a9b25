"""Local stand-ins for the vendor APIs the connectors speak, fed from generated data, with faults."""

from sandbox.faults import FaultConfig
from sandbox.server import DEFAULT_PORT, SandboxServer, serve
from sandbox.store import Store

__all__ = ["DEFAULT_PORT", "FaultConfig", "SandboxServer", "Store", "serve"]
