"""The simulator's admin endpoints under `/_sim/` (same Basic auth as the API): read and move the clock, add and
clear faults, read and clear the request log, read the whole state. Tests and benchmarks drive a simulator in
another process through these.

Each endpoint is one small function of (simulator, JSON payload) -> JSON answer, looked up by (path, method);
a KeyError, ValueError or TypeError from one is the client's fault (HTTP 400).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from .clock import _parse_iso
from .faults import Fault

if TYPE_CHECKING:
    from .server import SimulatorServer

REQUESTS_SHOWN = 1000
"""`GET /_sim/requests` lists the most recent requests only."""


def _state(sim: SimulatorServer, payload: dict) -> dict:
    return sim.state()


def _set_clock(sim: SimulatorServer, payload: dict) -> dict:
    if "set" in payload:
        sim.clock.set(_parse_iso(str(payload["set"])))
    if "advance_seconds" in payload:
        sim.clock.advance(timedelta(seconds=float(payload["advance_seconds"])))
    return {"now": sim.clock.now().isoformat()}


def _get_clock(sim: SimulatorServer, payload: dict) -> dict:
    return {"now": sim.clock.now().isoformat(), "mode": sim.clock.describe()}


def _add_faults(sim: SimulatorServer, payload: dict) -> dict:
    for spec in payload.get("specs") or [payload["spec"]]:
        sim.add_fault(Fault.parse(spec))
    return _list_faults(sim, payload)


def _list_faults(sim: SimulatorServer, payload: dict) -> dict:
    return {"faults": [f.as_dict() for f in sim.faults]}


def _clear_faults(sim: SimulatorServer, payload: dict) -> dict:
    sim.clear_faults()
    return {"faults": []}


def _list_requests(sim: SimulatorServer, payload: dict) -> dict:
    return {
        "requests": [
            {"time": r.time.isoformat(), "method": r.method, "path": r.path, "status": r.status, "bytes": r.bytes_sent}
            for r in sim.requests[-REQUESTS_SHOWN:]
        ]
    }


def _clear_requests(sim: SimulatorServer, payload: dict) -> dict:
    sim.reset_requests()
    return {"requests": []}


ENDPOINTS: dict[tuple[str, str], Callable[[SimulatorServer, dict], dict]] = {
    ("/_sim/state", "GET"): _state,
    ("/_sim/clock", "POST"): _set_clock,
    ("/_sim/clock", "GET"): _get_clock,
    ("/_sim/faults", "POST"): _add_faults,
    ("/_sim/faults", "GET"): _list_faults,
    ("/_sim/faults", "DELETE"): _clear_faults,
    ("/_sim/requests", "GET"): _list_requests,
    ("/_sim/requests", "DELETE"): _clear_requests,
}
