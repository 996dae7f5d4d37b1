"""Command line: ``python -m toolkit doctor | run | learner | serve``.

- ``doctor``  checks a learner's setup and prints a pass/fail table to paste to an instructor.
- ``run``     executes notebooks with a fresh kernel, with timings (``--in-place`` stores outputs).
- ``learner`` writes or refreshes a learner copy: solutions replaced by ``answer = ...``;
  notebooks the learner edited are kept (``--force`` replaces them, keeping a backup).
- ``serve``   serves the registry's production model over HTTP (FastAPI + uvicorn).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toolkit._shared import REPO_ROOT as ROOT
from toolkit.doctor import doctor

__all__ = ["main"]


def _cmd_doctor(args: argparse.Namespace) -> int:
    report = doctor()
    print(report.to_string(index=False))
    failed = report[(report["status"] == "FAIL") & report["required"]]
    if len(failed):
        print(f"\n{len(failed)} required check(s) failed. Fix them with `make lab` (or "
              "`pip install -e .[lab]` in your environment) and run the doctor again.")
        return 1
    print("\nAll required checks passed: you are ready for the course.")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from toolkit.notebooks import execute_notebook

    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    for path in paths:
        seconds = execute_notebook(Path(path), in_place=args.in_place, timeout=args.timeout)
        total += seconds
        print(f"{Path(path).name:45s} {seconds:6.1f} s")
    print(f"{'total':45s} {total:6.1f} s")
    return 0


def _cmd_learner(args: argparse.Namespace) -> int:
    from toolkit.notebooks import make_learner_copy

    done = make_learner_copy(ROOT / "notebooks", Path(args.out), force=args.force)
    for item in done:
        extra = f" (the learner's version kept as {item.backup.name})" if item.backup else ""
        print(f"{item.action:9s} {item.path}{extra}")
    kept = [item.path.name for item in done if item.action == "kept"]
    if kept:
        print(f"\nkept {len(kept)} notebook(s) the learner edited: {', '.join(kept)}.\n"
              "Run again with --force to replace them with the new version; each edited one is "
              "then kept beside it as NN_name.backup-<date>.ipynb.")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from toolkit.deploy import Registry
    from toolkit.service import Service, create_app

    try:
        service = Service(Registry(args.registry), log_path=args.log)
    except (FileNotFoundError, ValueError) as error:  # no registry, or nothing in production
        print(f"cannot serve: {error}", file=sys.stderr)
        return 1
    print(f"serving {service.versions} from {args.registry} on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(create_app(service), host=args.host, port=args.port, log_level="warning")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m toolkit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check this setup for the course").set_defaults(func=_cmd_doctor)
    run = sub.add_parser("run", help="execute notebooks with a fresh kernel, with timings")
    run.add_argument("notebooks", nargs="*", help="default: every notebooks/NN_*.ipynb")
    run.add_argument("--in-place", action="store_true", help="store the outputs in the files")
    run.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    run.set_defaults(func=_cmd_run)
    learner = sub.add_parser("learner", help="write or refresh the learner copy (solutions removed)")
    learner.add_argument("--out", default=str(ROOT / "learner"), help="default: ./learner")
    learner.add_argument("--force", action="store_true",
                         help="also replace notebooks the learner edited (each is backed up beside it)")
    learner.set_defaults(func=_cmd_learner)
    serve = sub.add_parser("serve", help="serve the registry's production model over HTTP")
    serve.add_argument("--registry", default=str(ROOT / "artifacts" / "registry"),
                       help="registry folder (default: ./artifacts/registry)")
    serve.add_argument("--port", type=int, default=8000, help="default: 8000")
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1 (this machine only)")
    serve.add_argument("--log", default=None, help="prediction log (default: in the registry folder)")
    serve.set_defaults(func=_cmd_serve)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
