"""Reference bundles from files, `<dir>/<tenant>.json` (or .yaml/.yml), reloaded when a file changes.

An HR change therefore takes effect on the next event after the next check, without a restart. A bundle is
immutable and swapped in with one assignment, so a reader sees the old or the new bundle, never a mix. A
file that does not parse or validate keeps the previous bundle in force and logs why.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kansa_schemas.reference.models import ReferenceBundle

log = logging.getLogger(__name__)

SUFFIXES = (".json", ".yaml", ".yml")
_TENANT = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class _Stamp:
    path: Path
    mtime_ns: int
    size: int


@dataclass(frozen=True)
class _Loaded:
    bundle: ReferenceBundle
    stamp: _Stamp


class FileReferenceProvider:
    """ReferenceProvider over a directory. `clock` (seconds, monotonic) is injected so tests need not sleep."""

    def __init__(
        self,
        directory: Path | str,
        *,
        check_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = Path(directory)
        self.check_interval = check_interval
        self._clock = clock
        self._loaded: dict[str, _Loaded] = {}
        self._checked_at: dict[str, float] = {}
        self._rejected: dict[str, _Stamp] = {}
        self.errors: dict[str, str] = {}
        """tenant -> why its current file was rejected (cleared by a good load)."""
        self._lock = threading.Lock()

    def bundle(self, tenant: str) -> ReferenceBundle | None:
        now = self._clock()
        last = self._checked_at.get(tenant)
        if last is None or now - last >= self.check_interval:
            with self._lock:
                self._checked_at[tenant] = now
                self._check(tenant)
        loaded = self._loaded.get(tenant)
        return loaded.bundle if loaded else None

    def tenants(self) -> tuple[str, ...]:
        """Tenant codes with a reference file in the directory (readable or not)."""
        if not self.directory.is_dir():
            return ()
        return tuple(sorted({
            path.name.removesuffix(suffix)
            for suffix in SUFFIXES for path in self.directory.glob(f"*{suffix}")
            if _TENANT.match(path.name.removesuffix(suffix))
        }))

    def refresh(self, tenant: str) -> ReferenceBundle | None:
        """Check the tenant's file now, whatever the interval."""
        self._checked_at.pop(tenant, None)
        return self.bundle(tenant)

    def _find(self, tenant: str) -> Path | None:
        for suffix in SUFFIXES:
            path = self.directory / f"{tenant}{suffix}"
            if path.is_file():
                return path
        return None

    def _check(self, tenant: str) -> None:
        if not _TENANT.match(tenant):
            return  # never build a path from something that is not a tenant code
        previous = self._loaded.get(tenant)
        path = self._find(tenant)
        if path is None:
            if previous is not None:
                log.error("reference file for tenant %s disappeared from %s; keeping version %s",
                          tenant, self.directory, previous.bundle.version)
            return
        try:
            stat = path.stat()
        except OSError as exc:
            log.error("cannot stat reference file %s: %s", path, exc)
            return
        stamp = _Stamp(path, stat.st_mtime_ns, stat.st_size)
        if (previous is not None and previous.stamp == stamp) or self._rejected.get(tenant) == stamp:
            return
        try:
            bundle = self._read(path, tenant)
        except (OSError, ValueError, yaml.YAMLError, ValidationError) as exc:
            self._rejected[tenant] = stamp
            kept = previous.bundle.version if previous else "none"
            self.errors[tenant] = f"{path}: {exc}"
            log.error("reference file %s rejected, keeping version %s: %s", path, kept, exc)
            return
        self._loaded[tenant] = _Loaded(bundle, stamp)  # the atomic swap
        self._rejected.pop(tenant, None)
        self.errors.pop(tenant, None)
        log.info("reference for tenant %s loaded from %s: version %s", tenant, path, bundle.version)

    @staticmethod
    def _read(path: Path, tenant: str) -> ReferenceBundle:
        text = path.read_text(encoding="utf-8")
        data: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        bundle = ReferenceBundle.model_validate(data)
        if bundle.tenant != tenant:
            raise ValueError(f"file is named for tenant {tenant} but holds tenant {bundle.tenant}")
        return bundle
