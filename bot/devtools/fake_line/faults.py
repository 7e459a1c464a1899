"""Injected latency and failures, so clients' retry and backoff paths get exercised.

Decisions come from a seeded RNG owned by the injector: a test that sets
``error_rate=0.1`` with a seed sees the same failures on every run.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """What to inject; ``paths`` are exact paths or fnmatch patterns (empty = all)."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 500
    paths: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultConfig:
        rate = float(data.get("error_rate", 0.0))
        if not 0.0 <= rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        status = int(data.get("error_status", 500))
        if not 400 <= status <= 599:
            raise ValueError("error_status must be an HTTP error status")
        return cls(latency_ms=float(data.get("latency_ms", 0.0)), error_rate=rate,
                   error_status=status, paths=tuple(data.get("paths") or ()))

    def to_json(self) -> dict[str, Any]:
        return {"latency_ms": self.latency_ms, "error_rate": self.error_rate,
                "error_status": self.error_status, "paths": list(self.paths)}

    def applies_to(self, path: str) -> bool:
        return not self.paths or any(fnmatch.fnmatchcase(path, pattern) for pattern in self.paths)


@dataclass(frozen=True, slots=True)
class FaultDecision:
    latency_seconds: float
    error_status: int | None


class FaultInjector:
    """Holds the active fault config and rolls the dice for each request."""

    def __init__(self, seed: int | None = 0) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._config = FaultConfig()

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig, seed: int | None = None) -> None:
        with self._lock:
            self._config = config
            if seed is not None:
                self._rng.seed(seed)

    def clear(self) -> None:
        self.configure(FaultConfig())

    def decide(self, path: str) -> FaultDecision:
        with self._lock:
            config = self._config
            if not config.applies_to(path):
                return FaultDecision(0.0, None)
            failing = config.error_rate > 0 and self._rng.random() < config.error_rate
            return FaultDecision(config.latency_ms / 1000.0,
                                 config.error_status if failing else None)
