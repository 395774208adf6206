"""ISO-NE Web Services API simulator (``isone-sim``); see docs/simulator.md."""

from .clock import SimClock
from .faults import Fault
from .server import RequestRecord, SimulatorServer

__all__ = ["Fault", "RequestRecord", "SimClock", "SimulatorServer"]
