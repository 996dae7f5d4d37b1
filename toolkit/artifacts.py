"""Model artifacts: a fitted pipeline saved with skops, with its card and its schema.

- :class:`ModelCard` (from :mod:`toolkit.model_card`) describes the model for the people who
  use it: training window, features, metrics, business value, threshold and known limits.
- :func:`save_model` / :func:`load_model` write and read a model directory with skops (never
  pickle: loading a pickle runs whatever code the file asks for).

What loading trusts, and why:

- **the bytes**: ``manifest.json`` records the SHA-256 of every other file (model, card,
  schema); a registered version's hashes are also kept in the registry's database. Every file is
  checked before any of them is parsed, so a flipped byte or a rewritten threshold is refused
  with a message that names the file, not a ``BadZipFile`` from deep inside skops.
- **the types**: skops builds only the types it is told to trust. The list is here, in code
  (:func:`allowed_types`: the course's transformers and scikit-learn's tree structures), plus
  what the *caller* passes as ``trusted=``. Never what the file or its manifest asks for: whoever
  can write the file can write the manifest too.

:mod:`toolkit.deploy` re-exports everything here.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit._validation import _short
from toolkit.model_card import ModelCard
from toolkit.schema import InputSchema

__all__ = ["MODEL_FILES", "SKLEARN_TREE_TYPES", "ModelBundle", "ModelCard", "allowed_types", "file_hashes",
           "load_model", "save_model", "verify_model", "write_card"]

#: scikit-learn's own tree structures, which skops (0.16) reports as untrusted: a tree's arrays
#: are handed to compiled code, so skops wants someone to vouch for them. The toolkit does (see
#: :func:`allowed_types`): they hold numbers, never code. Gradient boosting and random forests
#: need them.
SKLEARN_TREE_TYPES = ["sklearn.tree._tree.Tree",
                      "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
                      "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper"]
#: Older skops (0.11, the floor, with scikit-learn 1.6) also reports scikit-learn's loss objects
#: (inside gradient boosting) and the list a ColumnTransformer keeps of its remainder columns:
#: plain data holders, treated like the trees. The loss classes are named one by one
#: (:func:`_sklearn_loss_types`), never by a prefix a file could put anything behind.
_REMAINDER_LIST = "sklearn.compose._column_transformer._RemainderColsList"
#: The files of a saved model whose SHA-256 ``manifest.json`` records.
MODEL_FILES = ("card.json", "card.md", "model.skops", "schema.json")
#: What ``manifest.json`` holds: 2 = a hash per file (1, before, hashed the model file only).
MANIFEST_FORMAT = 2


# --- save and load -----------------------------------------------------------------------------
@dataclass
class ModelBundle:
    """A loaded model directory: the fitted pipeline with its card and schema."""

    model: Any
    card: ModelCard
    schema: InputSchema
    path: Path

    def __repr__(self) -> str:
        return f"ModelBundle({self.card.name!r}, version={self.card.version!r})"


def allowed_types() -> tuple[str, ...]:
    """The types :func:`load_model` lets skops build beyond its defaults, decided here in code.

    The course's own transformers (:data:`toolkit.features.TRUSTED_TYPES`) and scikit-learn's
    tree structures (:data:`SKLEARN_TREE_TYPES`). A caller may add types with ``trusted=``; a file
    or its manifest never can.

    Examples
    --------
    >>> "builtins.exec" in allowed_types(), "toolkit._encoders.ToNumber" in allowed_types()
    (False, True)
    """
    from toolkit.features import TRUSTED_TYPES  # imports scikit-learn: only when a model is handled

    return tuple(TRUSTED_TYPES) + tuple(SKLEARN_TREE_TYPES)


@functools.cache
def _sklearn_loss_types() -> frozenset[str]:
    """Every class scikit-learn defines in its ``sklearn._loss`` modules, by its full name.

    Read from the installed scikit-learn, so the list follows its version; a name under that
    package which is not one of its classes (a function, a module it imports) is not in it.
    """
    import importlib
    import inspect
    import pkgutil

    import sklearn._loss

    names = set()
    for module_info in pkgutil.iter_modules(sklearn._loss.__path__, "sklearn._loss."):
        try:
            module = importlib.import_module(module_info.name)
        except ImportError:  # pragma: no cover - a test-only or optional submodule
            continue
        names.update(f"{obj.__module__}.{obj.__qualname__}" for obj in vars(module).values()
                     if inspect.isclass(obj) and obj.__module__ == module_info.name)
    return frozenset(names)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_directory(directory: Any) -> Path:
    if not isinstance(directory, (str, os.PathLike)):  # Path(None) says only "expected str, bytes ..."
        raise TypeError(f"directory must be a folder path such as 'artifacts/m'; got {_short(directory)}.")
    return Path(directory)


def file_hashes(directory: str | Path) -> dict[str, str]:
    """The SHA-256 of every file in a saved model's ``directory`` (manifest included), by name.

    This is what :class:`toolkit.registry.Registry` keeps in its database for each version.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()); _ = (folder / "card.md").write_text("hi")
    >>> file_hashes(folder)["card.md"][:12]
    '8f434346648f'
    """
    directory = _check_directory(directory)
    return {path.name: _sha256(path) for path in sorted(directory.iterdir()) if path.is_file()}


def _unknown_types(asked: Sequence[str], trusted: Sequence[str]) -> list[str]:
    allowed = set(allowed_types()) | set(trusted) | {_REMAINDER_LIST}
    return sorted(t for t in asked if t not in allowed and t not in _sklearn_loss_types())


def _write_manifest(directory: Path, untrusted: Sequence[str]) -> None:
    manifest = {"format": MANIFEST_FORMAT, "untrusted_types": sorted(untrusted),
                "sha256": {name: _sha256(directory / name) for name in MODEL_FILES}}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _write_files(model: Any, directory: Path, card: ModelCard, schema: InputSchema,
                 trusted: Sequence[str]) -> None:
    import skops.io as sio

    directory.mkdir(parents=True)
    path = directory / "model.skops"
    sio.dump(model, path)
    untrusted = sorted(sio.get_untrusted_types(file=path))
    unknown = _unknown_types(untrusted, trusted)
    if unknown:
        raise ValueError(
            f"model holds types that skops does not trust and toolkit does not know: {unknown!r}. "
            "Pass them as trusted=[...] only if you wrote them or trust their source.")
    (directory / "card.json").write_text(json.dumps(card.to_dict(), indent=2), encoding="utf-8")
    (directory / "card.md").write_text(card.to_markdown(), encoding="utf-8")
    (directory / "schema.json").write_text(json.dumps(schema.to_dict(), indent=2), encoding="utf-8")
    _write_manifest(directory, untrusted)


def write_card(directory: str | Path, card: ModelCard) -> None:
    """Rewrite ``card.json`` and ``card.md`` of a saved model, and their hashes in its manifest.

    The registry stamps a version number on its copy this way. Only the card changes: the model
    and schema must still match the hashes recorded when they were saved.
    """
    directory = _check_directory(directory)
    if not isinstance(card, ModelCard):
        raise TypeError(f"card must be a ModelCard; got {type(card).__name__}.")
    manifest = _read_manifest(directory)
    (directory / "card.json").write_text(json.dumps(card.to_dict(), indent=2), encoding="utf-8")
    (directory / "card.md").write_text(card.to_markdown(), encoding="utf-8")
    _check_hashes(directory, {n: h for n, h in manifest["sha256"].items() if not n.startswith("card.")},
                  "saved")
    _write_manifest(directory, manifest["untrusted_types"])


def save_model(model: Any, directory: str | Path, *, card: ModelCard, schema: InputSchema,
               overwrite: bool = False, trusted: Sequence[str] = ()) -> Path:
    """Save a fitted pipeline with skops, with its card and schema, into ``directory``.

    The directory gets ``model.skops``, ``card.json``, ``card.md``, ``schema.json`` and
    ``manifest.json`` (the SHA-256 of each other file, and the types skops will have to trust).
    Files are written to a temporary folder next to ``directory`` and renamed into place, so a
    crash never leaves a half-written model.

    Parameters
    ----------
    model : fitted estimator with ``predict_proba``
        Usually a ``Pipeline(preprocessor, classifier)``.
    directory : str or Path
        Where to save. It must not exist yet unless ``overwrite=True``.
    card : ModelCard
        What the model is, for whom, and how good (saved as ``card.json`` and ``card.md``).
    schema : InputSchema
        The training inputs, to check requests against (saved as ``schema.json``).
    overwrite : bool, default=False
        Replace an existing directory (the old one is removed only after the new one is complete).
    trusted : sequence of str, default=()
        Extra types that you vouch for, beyond :func:`allowed_types`. Loading the model will
        need the same ``trusted=`` again: nothing in the saved files can grant trust.

    Returns
    -------
    Path
        The directory written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> card = ModelCard("demo", trained_on="toy", features=["x"], metrics={})
    >>> path = save_model(model, tempfile.mkdtemp() + "/v1", card=card, schema=InputSchema.from_frame(X))
    >>> sorted(p.name for p in path.iterdir())
    ['card.json', 'card.md', 'manifest.json', 'model.skops', 'schema.json']
    """
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"model must be a fitted classifier with predict_proba; got {type(model).__name__}.")
    if not isinstance(card, ModelCard):
        raise TypeError(f"card must be a ModelCard; got {type(card).__name__}.")
    if not isinstance(schema, InputSchema):
        raise TypeError(f"schema must be an InputSchema; got {type(schema).__name__}.")
    trusted = _check_trusted(trusted)
    directory = _check_directory(directory)
    if directory.exists() and not overwrite:
        raise FileExistsError(f"directory {str(directory)!r} already exists; pass overwrite=True to "
                              "replace it, or save to a new directory.")
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = directory.parent / f".{directory.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        _write_files(model, tmp, card, schema, trusted)
        if directory.exists():
            old = directory.parent / f".{directory.name}.old-{uuid.uuid4().hex[:8]}"
            directory.rename(old)
            tmp.rename(directory)
            shutil.rmtree(old)
        else:
            tmp.rename(directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return directory


def _check_trusted(trusted: Any) -> list[str]:
    if (isinstance(trusted, str) or not isinstance(trusted, Iterable)
            or not all(isinstance(t, str) for t in trusted)):
        raise TypeError(f"trusted must be a list of type names such as ['mymodule.MyTransformer']; "
                        f"got {_short(trusted)}.")
    return list(trusted)


def _read_manifest(directory: Path) -> dict:
    """``manifest.json``, checked for the shape :func:`save_model` writes."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"refusing to load {str(directory)!r}: its manifest.json is not valid JSON "
                         f"({error}). The folder is damaged: save the model again.") from None
    well_formed = (isinstance(manifest, dict) and manifest.get("format") == MANIFEST_FORMAT
                   and isinstance(manifest.get("untrusted_types"), list)
                   and isinstance(manifest.get("sha256"), dict)
                   and set(manifest["sha256"]) == set(MODEL_FILES))
    if not well_formed:
        raise ValueError(
            f"refusing to load {str(directory)!r}: its manifest.json is not a format-{MANIFEST_FORMAT} "
            "manifest (an older toolkit hashed the model file only, not its card and schema). "
            "Save the model again with this toolkit.")
    return manifest


def _check_hashes(directory: Path, expected: Mapping[str, str], since: str) -> None:
    """Raise ``ValueError`` naming the first file whose SHA-256 is not the one recorded."""
    where = "the registry's record" if since == "registered" else "manifest.json"
    again = ("register the model again from its training code (or restore this folder from a "
             "backup)" if since == "registered" else "save the model again from its training code")
    for name, digest in sorted(expected.items()):
        path = directory / name
        if not path.is_file() or _sha256(path) != digest:
            state = "is missing" if not path.is_file() else f"changed since it was {since}"
            raise ValueError(
                f"refusing to load {str(directory)!r}: {name} {state} (its SHA-256 differs from "
                f"{where}). A changed file is damaged or was tampered with; do not use it: {again}.")


def verify_model(directory: str | Path, *, trusted: Sequence[str] = (),
                 hashes: Mapping[str, str] | None = None) -> list[str]:
    """Check a saved model without building anything; return the types skops must trust for it.

    First the bytes: every file's SHA-256 against ``hashes`` (the registry's record) when given,
    and against ``manifest.json`` in any case; nothing is parsed before its bytes are checked.
    Then the types the file asks for, against :func:`allowed_types` plus ``trusted``.

    Raises
    ------
    FileNotFoundError
        When a file of a saved model is missing.
    ValueError
        When a file changed, or the model asks for a type nobody vouched for.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> card = ModelCard("demo", trained_on="toy", features=["x"], metrics={})
    >>> path = save_model(model, tempfile.mkdtemp() + "/v1", card=card, schema=InputSchema.from_frame(X))
    >>> verify_model(path)  # a plain scikit-learn model needs no extra type
    []
    >>> _ = (path / "card.md").write_text("# rewritten")
    >>> verify_model(path)
    Traceback (most recent call last):
    ...
    ValueError: refusing to load '...': card.md changed since it was saved (its SHA-256 differs ...
    """
    import skops.io as sio

    directory = _check_directory(directory)
    trusted = _check_trusted(trusted)
    if hashes is not None and not isinstance(hashes, Mapping):
        raise TypeError(f"hashes must map file names to SHA-256 digests; got {_short(hashes)}.")
    needed = [*MODEL_FILES, "manifest.json"]
    absent = [name for name in needed if not (directory / name).is_file()]
    if absent:
        raise FileNotFoundError(f"directory {str(directory)!r} is not a saved model: {absent!r} missing.")
    if hashes is not None:
        _check_hashes(directory, hashes, "registered")
    manifest = _read_manifest(directory)
    _check_hashes(directory, manifest["sha256"], "saved")
    asked = sorted(sio.get_untrusted_types(file=directory / "model.skops"))
    unknown = _unknown_types(asked, trusted)
    if unknown:
        raise ValueError(
            f"refusing to load {str(directory / 'model.skops')!r}: it asks skops to trust {unknown!r}, "
            "which toolkit does not trust. A model of this course never needs them: the file was "
            "replaced, or comes from elsewhere. Do not load it. If you wrote these types yourself, "
            "pass them as trusted=[...].")
    return asked


def load_model(directory: str | Path, *, trusted: Sequence[str] = (),
               hashes: Mapping[str, str] | None = None) -> ModelBundle:
    """Load a directory written by :func:`save_model`, refusing anything changed or untrusted.

    skops never runs code from the file, but it must be told which non-standard types it may
    build. This function lets it build :func:`allowed_types` (fixed in code) and the types you
    pass as ``trusted``, never those a file asks for; and it refuses a folder in which any
    file's bytes changed since it was saved (see :func:`verify_model`).

    Parameters
    ----------
    directory : str or Path
        A folder written by :func:`save_model`.
    trusted : sequence of str, default=()
        Extra types you vouch for (as :func:`save_model`'s ``trusted``).
    hashes : mapping of str to str, optional
        The SHA-256 of each file as recorded elsewhere (the registry's database): checked first.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> card = ModelCard("demo", trained_on="toy", features=["x"], metrics={})
    >>> path = save_model(model, tempfile.mkdtemp() + "/v1", card=card, schema=InputSchema.from_frame(X))
    >>> bundle = load_model(path)
    >>> bool((bundle.model.predict_proba(X) == model.predict_proba(X)).all())
    True
    """
    import skops.io as sio

    directory = _check_directory(directory)
    asked = verify_model(directory, trusted=trusted, hashes=hashes)
    model = sio.load(directory / "model.skops", trusted=asked)
    card = ModelCard.from_dict(json.loads((directory / "card.json").read_text(encoding="utf-8")))
    schema = InputSchema.from_dict(json.loads((directory / "schema.json").read_text(encoding="utf-8")))
    return ModelBundle(model, card, schema, directory)
