"""Command line: ``python -m toolkit doctor | run | learner | serve``.

- ``doctor``  checks a learner's setup and prints a pass/fail table to paste to an instructor.
- ``run``     executes notebooks with a fresh kernel and prints wall time, the kernel's peak
  memory and CPU seconds per notebook (``--in-place`` stores the outputs).
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
    from tqdm.auto import tqdm

    from toolkit.notebooks import execute_notebook

    paths = [Path(p) for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    runs = []
    with tqdm(paths, desc="notebooks", unit="nb", file=sys.stderr, disable=args.quiet) as bar:
        for path in bar:
            bar.set_postfix_str(path.name)
            runs.append(execute_notebook(path, in_place=args.in_place, timeout=args.timeout))
    print(_run_table(runs))
    if args.footprint:
        from toolkit.footprint import write_footprint

        print(f"wrote {write_footprint(runs, Path(args.footprint))}")
    return 0


def _run_table(runs) -> str:
    """The measured table: one row per notebook and a total (peak memory: the largest)."""
    lines = [f"{'notebook':40s} {'wall s':>7s} {'peak MB':>8s} {'CPU s':>7s}"]
    for run in runs:
        lines.append(f"{run.notebook:40s} {run.seconds:7.1f} {run.peak_mb:8.0f} {run.cpu_s:7.1f}")
    peaks = [r.peak_mb for r in runs if r.peak_mb == r.peak_mb]
    lines.append(f"{'total':40s} {sum(r.seconds for r in runs):7.1f} "
                 f"{max(peaks) if peaks else float('nan'):8.0f} {sum(r.cpu_s for r in runs):7.1f}")
    return "\n".join(lines)


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
    from toolkit.service import Service
    from toolkit.service_app import create_app

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
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--footprint", metavar="PATH", default=None,
                     help="also write the table as Markdown with the machine and versions "
                          "(make footprint: docs/footprint.md)")
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
