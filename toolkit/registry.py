"""The model registry: numbered model versions on disk, a SQLite index, and their stages.

A version is a model directory written by :func:`toolkit.artifacts.save_model` (model, card,
schema, manifest). :class:`Registry` numbers them (``v1``, ``v2``, ...) and moves them through
the stages ``registered -> shadow -> canary -> production -> archived``; every change is one
SQLite transaction, so two processes registering at once never corrupt the index.

The database, not only this code, keeps the rules that matter: the SHA-256 of every file of a
version is stored at registration and checked at every load, and a partial unique index lets
each serving stage (shadow, canary, production) hold one version at most.
:mod:`toolkit.deploy` re-exports everything here, so ``deploy.Registry`` keeps working.

>>> STAGES
('registered', 'shadow', 'canary', 'production', 'archived')
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit._shared import REPO_ROOT
from toolkit._validation import _short, check_one_of
from toolkit.artifacts import (
    ModelBundle,
    ModelCard,
    file_hashes,
    load_model,
    save_model,
    verify_model,
    write_card,
)
from toolkit.schema import InputSchema

__all__ = ["DEFAULT_REGISTRY", "LOCK_TIMEOUT_S", "SERVING_STAGES", "STAGES", "TRANSITIONS", "Registry"]

#: Where :class:`Registry` keeps its versions unless told otherwise (git-ignored).
DEFAULT_REGISTRY = REPO_ROOT / "artifacts" / "registry"

#: The stages a version can be in.
STAGES = ("registered", "shadow", "canary", "production", "archived")
#: The stages the service answers from: each holds one version at most (the database says so).
SERVING_STAGES = ("shadow", "canary", "production")
#: Allowed moves, first key = from. Production is left only by promoting another version
#: (which archives it) or by :meth:`Registry.rollback`, so the service always has a model.
#: An archived version comes back only through :meth:`Registry.restore` (a deliberate act).
TRANSITIONS = {
    "registered": ("shadow", "canary", "production", "archived"),
    "shadow": ("registered", "canary", "production", "archived"),
    "canary": ("registered", "shadow", "production", "archived"),
    "production": (),
    "archived": (),
}
#: Seconds a registry operation waits for another process's lock before giving up.
LOCK_TIMEOUT_S = 5.0

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS versions (
    number INTEGER PRIMARY KEY, version TEXT UNIQUE NOT NULL, registered_at TEXT NOT NULL,
    name TEXT, trained_on TEXT, metric TEXT, score REAL, stage TEXT NOT NULL, path TEXT NOT NULL,
    hashes TEXT);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, version TEXT NOT NULL, from_stage TEXT,
    to_stage TEXT NOT NULL, at TEXT NOT NULL, action TEXT);
"""
# one version per serving stage, kept by the database itself (a partial unique index)
_INDEX_SQL = """
CREATE UNIQUE INDEX IF NOT EXISTS one_version_per_serving_stage
    ON versions (stage) WHERE stage IN ('shadow', 'canary', 'production');
"""
# columns added since the first registries were written: (table, column, type)
_ADDED_COLUMNS = (("versions", "hashes", "TEXT"), ("events", "action", "TEXT"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _upgrade(conn: sqlite3.Connection) -> None:
    """Create the tables, or bring an index written by an older toolkit up to date."""
    conn.executescript(_SCHEMA_SQL)
    for table, column, sql_type in _ADDED_COLUMNS:
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
    conn.executescript(_INDEX_SQL)


class Registry:
    """Numbered model versions on disk with a SQLite index, and the stage each one is in.

    ``root/models/vN/`` holds each saved model (see :func:`toolkit.deploy.save_model`);
    ``root/registry.sqlite`` indexes them with the SHA-256 of each of their files. Every change
    runs in one ``BEGIN IMMEDIATE`` transaction, so two processes registering at once get
    different version numbers and nothing is written half-way.

    Parameters
    ----------
    root : str or Path, default=DEFAULT_REGISTRY
        The registry folder (``artifacts/registry/`` in the repository, git-ignored).
    create : bool, default=False
        Start a new registry if ``root`` has none; otherwise a missing registry is an error.
    trusted : sequence of str, default=()
        Types you vouch for beyond :func:`toolkit.artifacts.allowed_types`, for models that
        need them (see :func:`toolkit.artifacts.save_model`). Used to register and to load.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from toolkit.deploy import InputSchema, ModelCard
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> card = ModelCard("demo", trained_on="toy", features=["x"], metrics={"roc_auc": 0.9})
    >>> registry = Registry(tempfile.mkdtemp(), create=True)
    >>> for _ in range(3):
    ...     version = registry.register(model, card=card, schema=InputSchema.from_frame(X))
    ...     _ = registry.promote(version, "production")
    >>> registry.list_versions()[["version", "stage", "metric", "score"]]
      version       stage   metric  score
    0      v1    archived  roc_auc    0.9
    1      v2    archived  roc_auc    0.9
    2      v3  production  roc_auc    0.9
    >>> registry.rollback(), registry.rollback(), registry.stages()
    ('v2', 'v1', {'production': 'v1'})
    """

    def __init__(self, root: str | Path = DEFAULT_REGISTRY, *, create: bool = False,
                 trusted: Sequence[str] = ()) -> None:
        if not isinstance(root, (str, Path)):
            raise TypeError(f"root must be a path; got {type(root).__name__}.")
        if isinstance(trusted, str) or not all(isinstance(t, str) for t in trusted):
            raise TypeError(f"trusted must be a list of type names; got {_short(trusted)}.")
        self.root = Path(root)
        self.trusted = tuple(trusted)
        self.index = self.root / "registry.sqlite"
        if not self.index.exists() and not create:
            raise FileNotFoundError(f"root {str(self.root)!r} holds no registry (no registry.sqlite); "
                                    "pass create=True to start one there.")
        (self.root / "models").mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(self.index, timeout=LOCK_TIMEOUT_S)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            _upgrade(conn)

    # one connection per operation: cheap, safe across processes, and notices a deleted index
    @contextlib.contextmanager
    def _transaction(self, write: bool = True):
        try:
            conn = sqlite3.connect(f"file:{self.index}?mode=rw", uri=True, timeout=LOCK_TIMEOUT_S,
                                   isolation_level=None)
        except sqlite3.OperationalError as error:
            raise FileNotFoundError(
                f"the registry index {str(self.index)!r} is gone (deleted while in use?). The saved "
                f"models are untouched in {str(self.root / 'models')!r}; restore the index from a "
                "backup before registering or promoting again.") from error
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.OperationalError as error:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            if "locked" in str(error) or "busy" in str(error):
                raise TimeoutError(
                    f"the registry index {str(self.index)!r} stayed locked by another process for "
                    f"{LOCK_TIMEOUT_S:g} s; nothing was changed. Try again when it has finished.") from error
            raise
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    # --- registering -------------------------------------------------------------------------
    def register(self, model: Any, *, card: ModelCard, schema: InputSchema, metric: str | None = None,
                 trusted: Sequence[str] = ()) -> str:
        """Save ``model`` as the next version (``v1``, ``v2``, ...) in stage ``registered``.

        ``metric`` names the card metric shown by :meth:`list_versions` (default: the first).
        ``trusted`` adds types to the registry's own ``trusted`` for this save only (loading it
        later needs them in the registry's ``trusted``). Returns the new version name.
        """
        if not isinstance(card, ModelCard):
            raise TypeError(f"card must be a ModelCard; got {type(card).__name__}.")
        if metric is not None:
            check_one_of(metric, "metric", list(card.metrics))
        tmp = self.root / "models" / f".tmp-{uuid.uuid4().hex[:8]}"
        try:
            # the slow part (skops writes the model), outside the lock
            save_model(model, tmp, card=card, schema=schema, trusted=[*self.trusted, *trusted])
            return self._add(tmp, card, metric)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def register_saved(self, directory: str | Path, *, metric: str | None = None) -> str:
        """Register a model folder written by :func:`toolkit.artifacts.save_model` (copied, checked).

        The folder is verified like any model before it is copied (every file's hash, the types it
        needs); the registry's copy gets the version stamped on its card. This is how a model saved
        once is registered again without refitting it (see :func:`toolkit.deploy.case_study_registry`).
        """
        if not isinstance(directory, (str, Path)):
            raise TypeError(f"directory must be a path; got {_short(directory)}.")
        verify_model(directory, trusted=self.trusted)
        card = ModelCard.from_dict(json.loads((Path(directory) / "card.json").read_text(encoding="utf-8")))
        if metric is not None:
            check_one_of(metric, "metric", list(card.metrics))
        tmp = self.root / "models" / f".tmp-{uuid.uuid4().hex[:8]}"
        try:
            shutil.copytree(directory, tmp)
            verify_model(tmp, trusted=self.trusted)  # the copy, not only the original, is intact
            return self._add(tmp, card, metric)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _add(self, tmp: Path, card: ModelCard, metric: str | None) -> str:
        """Number the saved folder ``tmp``, stamp its card, index it with its hashes, move it in."""
        metric = metric or next(iter(card.metrics), None)
        with self._transaction() as conn:
            number = conn.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM versions").fetchone()[0]
            version = f"v{number}"
            write_card(tmp, replace(card, version=version))  # the caller's card is left as it was
            conn.execute(
                "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?)",
                (number, version, _now(), card.name, card.trained_on, metric,
                 card.metrics.get(metric) if metric else None, f"models/{version}",
                 json.dumps(file_hashes(tmp))))
            self._event(conn, version, None, "registered", "register")
            target = self.root / "models" / version
            if target.exists():
                self._set_aside(target)
            tmp.rename(target)  # last step: if it fails, the transaction rolls back
        return version

    def _set_aside(self, folder: Path) -> None:
        """Move a folder the index does not know (left by a crash) out of the way, keeping it."""
        kept = self.root / "orphans" / f"{folder.name}-{uuid.uuid4().hex[:8]}"
        kept.parent.mkdir(exist_ok=True)
        folder.rename(kept)
        warnings.warn(f"{str(folder)!r} was in the way but not in the registry's index (left by a crash?); "
                      f"it was moved to {str(kept)!r}. Delete it once you know what it holds.",
                      UserWarning, stacklevel=4)

    # --- reading -----------------------------------------------------------------------------
    def list_versions(self) -> pd.DataFrame:
        """One row per version: version, stage, training window, metric and its score, date."""
        with self._transaction(write=False) as conn:
            rows = conn.execute("SELECT version, stage, trained_on, metric, score, registered_at "
                                "FROM versions ORDER BY number").fetchall()
        columns = ["version", "stage", "trained_on", "metric", "score", "registered_at"]
        return pd.DataFrame(rows, columns=columns).astype({"score": "float64"})

    def _stage_of(self, conn: sqlite3.Connection, version: Any) -> str:
        if not isinstance(version, str):
            raise TypeError(f"version must be a string such as 'v1'; got {_short(version)}.")
        row = conn.execute("SELECT stage FROM versions WHERE version = ?", (version,)).fetchone()
        if row is None:
            known = [v for (v,) in conn.execute("SELECT version FROM versions ORDER BY number")]
            raise ValueError(f"version {version!r} is not in the registry; it holds {known!r}.")
        return row[0]

    def _event(self, conn: sqlite3.Connection, version: str, old: str | None, new: str, action: str) -> None:
        conn.execute("INSERT INTO events (version, from_stage, to_stage, at, action) VALUES (?, ?, ?, ?, ?)",
                     (version, old, new, _now(), action))

    def _move(self, conn: sqlite3.Connection, version: str, old: str, new: str, action: str) -> None:
        conn.execute("UPDATE versions SET stage = ? WHERE version = ?", (new, version))
        self._event(conn, version, old, new, action)

    # --- moving ------------------------------------------------------------------------------
    def promote(self, version: str, stage: str) -> pd.DataFrame:
        """Move ``version`` to ``stage`` (see :data:`TRANSITIONS`); return :meth:`list_versions`.

        Each of shadow, canary and production holds one version at most: the version it held
        goes back to ``registered``, or, for production, to ``archived``.
        """
        check_one_of(stage, "stage", STAGES[1:])
        with self._transaction() as conn:
            current = self._stage_of(conn, version)
            if stage not in TRANSITIONS[current]:
                hint = {"archived": " Call restore(version) first if you really want it back.",
                        "production": " Promote another version to production, or call rollback()."}
                raise ValueError(f"version {version!r} is {current!r}; it cannot move to {stage!r}. "
                                 f"From {current!r} it may move to {list(TRANSITIONS[current])!r}."
                                 + hint.get(current, ""))
            if stage in SERVING_STAGES:  # make room first: the unique index allows one per stage
                holders = conn.execute("SELECT version FROM versions WHERE stage = ?", (stage,)).fetchall()
                for (holder,) in holders:
                    self._move(conn, holder, stage, "archived" if stage == "production" else "registered",
                               "promote")
            self._move(conn, version, current, stage, "promote")
        return self.list_versions()

    def restore(self, version: str) -> pd.DataFrame:
        """Bring an archived ``version`` back to ``registered``; return :meth:`list_versions`."""
        with self._transaction() as conn:
            current = self._stage_of(conn, version)
            if current != "archived":
                raise ValueError(f"version {version!r} is {current!r}, not 'archived'; only archived "
                                 "versions can be restored.")
            self._move(conn, version, current, "registered", "restore")
        return self.list_versions()

    def _production_line(self, conn: sqlite3.Connection) -> list[str]:
        """The versions production went through, oldest first, without those rolled back from.

        Every promotion to production pushes a version; every rollback pops the current one.
        (An index written before actions were recorded: only a rollback moves a version from
        'archived' straight to production, since promote refuses archived versions.)
        """
        line: list[str] = []
        for version, from_stage, action in conn.execute(
                "SELECT version, from_stage, action FROM events WHERE to_stage = 'production' ORDER BY id"):
            if action == "rollback" or (action is None and from_stage == "archived"):
                if line:
                    line.pop()
                if not line or line[-1] != version:
                    line.append(version)
            else:
                line.append(version)
        return line

    def rollback(self) -> str:
        """Put back the version that was in production before the current one; return it.

        The current version is archived. Rolling back again walks further back: after
        v1 -> v2 -> v3, rollbacks give v2, then v1 (never v3 again).
        """
        with self._transaction() as conn:
            row = conn.execute("SELECT version FROM versions WHERE stage = 'production'").fetchone()
            if row is None:
                raise ValueError("there is no production version to roll back from.")
            current = row[0]
            line = self._production_line(conn)
            if len(line) < 2 or line[-1] != current:
                raise ValueError(f"{current!r} has no earlier production version to roll back to "
                                 f"(production went through {line!r}).")
            previous = line[-2]
            self._move(conn, current, "production", "archived", "rollback")
            self._move(conn, previous, self._stage_of(conn, previous), "production", "rollback")
        return previous

    def stages(self) -> dict[str, str]:
        """The version in each serving stage, e.g. ``{"production": "v2", "shadow": "v3"}``."""
        with self._transaction(write=False) as conn:
            rows = conn.execute("SELECT stage, version FROM versions WHERE stage IN "
                                "('production', 'shadow', 'canary')").fetchall()
        return dict(rows)

    def signature(self) -> tuple:
        """File sizes and times of the index (and its WAL): they change whenever it is written.

        A stat, no query: cheap enough for a service to call before every request.
        """
        signature = []
        for path in (self.index, self.index.with_name(self.index.name + "-wal")):
            try:
                stat = path.stat()
                signature.append((stat.st_mtime_ns, stat.st_size))
            except FileNotFoundError:
                signature.append(None)
        return tuple(signature)

    def revision(self) -> int:
        """A number that changes whenever a version is registered or moved (cheap to poll)."""
        with self._transaction(write=False) as conn:
            return conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]

    def history(self) -> pd.DataFrame:
        """Every stage change, oldest first: version, from_stage, to_stage, action, at."""
        with self._transaction(write=False) as conn:
            rows = conn.execute("SELECT version, from_stage, to_stage, action, at FROM events "
                                "ORDER BY id").fetchall()
        return pd.DataFrame(rows, columns=["version", "from_stage", "to_stage", "action", "at"])

    def load(self, version: str | None = None, *, stage: str | None = None) -> ModelBundle:
        """Load a version by name, or the one in ``stage`` (e.g. ``stage="production"``).

        Every file is checked against the hashes recorded at registration before anything is
        parsed, and only :func:`toolkit.artifacts.allowed_types` plus the registry's ``trusted``
        may be built: a changed or foreign file is refused with a ``ValueError``.
        """
        if (version is None) == (stage is None):
            raise ValueError("pass exactly one of version or stage; got "
                             f"version={version!r}, stage={stage!r}.")
        with self._transaction(write=False) as conn:
            if stage is not None:
                check_one_of(stage, "stage", STAGES)
                row = conn.execute("SELECT version FROM versions WHERE stage = ? ORDER BY number DESC",
                                   (stage,)).fetchone()
                if row is None:
                    raise ValueError(f"no version is in stage {stage!r}; promote one first.")
                version = row[0]
            self._stage_of(conn, version)
            (hashes,) = conn.execute("SELECT hashes FROM versions WHERE version = ?", (version,)).fetchone()
        if hashes is None:
            raise ValueError(f"version {version!r} was registered by an older toolkit that kept no hashes "
                             "of its files, so it cannot be checked; register the model again.")
        return load_model(self.root / "models" / version, trusted=self.trusted, hashes=json.loads(hashes))

    def __repr__(self) -> str:
        # the folder's name only: a full path differs between machines, and notebooks store this
        return f"Registry({self.root.name!r})"
