"""`kansa simulate`: a realistic, deterministic month of one municipality's 事務 with injected violations."""

from kansa_ingest.simulator.run import SimulationResult, simulate, write

__all__ = ["SimulationResult", "simulate", "write"]
