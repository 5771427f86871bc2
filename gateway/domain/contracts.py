"""Golden event samples: every stored version of every event type must still load today.

Layout: `<root>/<EventType>/v<N>.json`, each the `data` payload exactly as it is stored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from gateway.domain.messages import (
    JsonDict,
    UnknownMessageType,
    event_class,
    event_types,
    schema_versions,
    upcast,
)

_SAMPLE_NAME = re.compile(r"^v(?P<version>[1-9][0-9]*)\.json$")


@dataclass(frozen=True, slots=True)
class ContractResult:
    """One sample's verdict, or a missing sample (`sample` None); `problem` None means it held."""

    event_type: str
    version: int | None
    sample: Path | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_samples(root: Path) -> list[ContractResult]:
    """Check every sample under `root`, then report each readable version that has none."""
    results = [_check_file(path) for folder in _folders(root) for path in _files(folder)]
    return results + _missing_samples(root)


def _folders(root: Path) -> list[Path]:
    return sorted(path for path in root.iterdir() if path.is_dir() and path.name[0] != ".")


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.is_file())


def _check_file(path: Path) -> ContractResult:
    name = path.parent.name
    match = _SAMPLE_NAME.match(path.name)
    if match is None:
        return ContractResult(name, None, path, "a sample must be named v<N>.json")
    version = int(match["version"])
    try:
        problem = _check_payload(name, version, _load(path))
    except UnknownMessageType as exc:
        problem = str(exc)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problem = f"not valid JSON: {exc}"
    except (KeyError, TypeError, ValueError) as exc:
        problem = f"does not load as the current model: {exc}"
    return ContractResult(name, version, path, problem)


def _load(path: Path) -> JsonDict:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError("a sample must be a JSON object")
    return data


def _check_payload(name: str, version: int, data: JsonDict) -> str | None:
    """Upcast to current and validate; a current-version sample must also be written unchanged."""
    model = event_class(name)
    event = model.model_validate(upcast(name, version, data))
    if version != model.schema_version:
        return None
    written = event.model_dump(mode="json")
    if written == data:
        return None
    changed = sorted(
        key for key in written.keys() | data.keys() if written.get(key) != data.get(key)
    )
    return f"the current model writes this sample differently, fields {changed}"


def _missing_samples(root: Path) -> list[ContractResult]:
    return [
        ContractResult(name, version, None, f"no sample for {name} v{version}")
        for name in sorted(event_types())
        for version in schema_versions(name)
        if not (root / name / f"v{version}.json").is_file()
    ]
