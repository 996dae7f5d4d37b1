"""Rehearse a workshop on a real JupyterHub, with simulated learners: ``make hub-rehearsal``.

``python -m tools.hub.rehearsal --learners 3`` (run from the repository root, in ``.venv-hub``):

1. writes the learner copy (``python -m toolkit learner``) and commits it into a temporary bare
   git repository, the one the workshop link points at (``file://``: no network);
2. starts JupyterHub on 127.0.0.1 (``tools/hub/jupyterhub_config.py``: configurable-http-proxy,
   a local-process spawner with homes in a temporary folder, the dummy authenticator);
3. creates the learners and a token for each through the hub's REST API (as an admin service);
4. lets every learner, at a random offset, spawn a server, pull the course and run the chosen
   notebooks through the kernel websocket (``tools/hub/learner.py``), all at once;
5. pushes an instructor's fix to the first of those notebooks and has every learner click the
   link again, to see what nbgitpuller's merge makes of a notebook the learner has run;
6. measures, stops every process it started or found by PID, removes its temporary folder and
   prints one table (``--footprint docs/footprint.md`` also keeps it there).

Nothing is written in the user's home: the hub and every learner get ``HOME`` and the
``JUPYTER_*`` folders under the temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.hub import procs, report
from tools.hub.learner import FIX_MARK, Hub, refresh_learner, run_learner

__all__ = ["main", "notebook_names", "offsets"]

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("jupyterhub_config.py")
CHP = ROOT / ".hub" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
DEFAULT_NOTEBOOKS = "00,07"  # the lightest notebook and the one that serves a model: the whole stack


def notebook_names(spec: str, available: list[str]) -> list[str]:
    """The notebooks ``spec`` names: ``"all"``, or numbers such as ``"00,07"``.

    Examples
    --------
    >>> notebook_names("07,00", ["00_start.ipynb", "07_deploy.ipynb"])
    ['07_deploy.ipynb', '00_start.ipynb']
    >>> notebook_names("all", ["00_start.ipynb", "07_deploy.ipynb"])
    ['00_start.ipynb', '07_deploy.ipynb']
    """
    if spec.strip() == "all":
        return sorted(available)
    by_number = {name[:2]: name for name in available}
    names = []
    for number in (part.strip().zfill(2) for part in spec.split(",") if part.strip()):
        if number not in by_number:
            raise ValueError(f"notebooks: no notebook numbered {number!r}; choose among "
                             f"{sorted(by_number)} or 'all'.")
        names.append(by_number[number])
    if not names:
        raise ValueError("notebooks must name at least one notebook, e.g. '00,07' or 'all'.")
    return names


def offsets(learners: int, stagger_s: float, seed: int = 0) -> list[float]:
    """When each learner starts, in seconds: spread at random over ``stagger_s``, like a room.

    Examples
    --------
    >>> offsets(3, 0.0)
    [0.0, 0.0, 0.0]
    >>> all(0 <= t <= 10 for t in offsets(5, 10.0))
    True
    """
    if learners < 1:
        raise ValueError(f"learners must be at least 1; got {learners}.")
    if stagger_s < 0:
        raise ValueError(f"stagger must be zero or more seconds; got {stagger_s}.")
    rng = random.Random(seed)
    return sorted(round(rng.uniform(0, stagger_s), 1) for _ in range(learners))


def _versions() -> dict[str, str]:
    """What the rehearsal ran: JupyterHub, nbgitpuller, JupyterLab and the proxy."""
    import json
    from importlib.metadata import version

    found = {name: version(name) for name in ("jupyterhub", "nbgitpuller", "jupyterlab")}
    package = CHP.parents[1] / "configurable-http-proxy" / "package.json"
    found["configurable-http-proxy"] = json.loads(package.read_text())["version"] if package.exists() else "?"
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _git(*args: str, cwd: Path, env: dict) -> None:
    subprocess.run(["git", "-c", "user.name=rehearsal", "-c", "user.email=rehearsal@localhost",
                    *args], cwd=cwd, env=env, check=True, capture_output=True)


def _course_repo(tmp: Path, env: dict) -> tuple[Path, list[str]]:
    """The learner copy committed into a bare repository; returns it and its notebooks."""
    work, bare = tmp / "learner-copy", tmp / "course.git"
    subprocess.run([sys.executable, "-m", "toolkit", "learner", "--out", str(work)], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    _git("init", "--quiet", "-b", "main", cwd=work, env=env)
    _git("add", "-A", cwd=work, env=env)
    _git("commit", "--quiet", "-m", "learner copy", cwd=work, env=env)
    _git("clone", "--quiet", "--bare", str(work), str(bare), cwd=tmp, env=env)
    return bare, sorted(p.name for p in work.glob("[0-9][0-9]_*.ipynb"))


def _push_fix(tmp: Path, env: dict, notebook: str) -> None:
    """The instructor's fix during the workshop: a cell appended to ``notebook``, pushed."""
    import nbformat

    work = tmp / "learner-copy"
    nb = nbformat.read(work / notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(FIX_MARK))
    nbformat.write(nb, work / notebook)
    _git("commit", "--quiet", "-am", "a fix during the workshop", cwd=work, env=env)
    _git("push", "--quiet", str(tmp / "course.git"), "main", cwd=work, env=env)


def _environment(tmp: Path, ports: dict, token: str) -> dict:
    """The hub's environment: every home and Jupyter folder under ``tmp``, the template's inputs."""
    home = tmp / "home"
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               IPYTHONDIR=str(home / ".ipython"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local"),
               MPLCONFIGDIR=str(home / ".matplotlib"))
    bin_dir = Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.update(REHEARSAL_STATE_DIR=str(tmp / "state"), REHEARSAL_HOMES=str(tmp / "homes"),
               REHEARSAL_PORT=str(ports["public"]), REHEARSAL_HUB_PORT=str(ports["hub"]),
               REHEARSAL_PROXY_API_PORT=str(ports["proxy_api"]), REHEARSAL_CHP=str(CHP),
               REHEARSAL_SINGLEUSER=str(bin_dir / "jupyterhub-singleuser"),
               REHEARSAL_ADMIN_TOKEN=token)
    for folder in (home, tmp / "state", tmp / "homes"):
        folder.mkdir(parents=True, exist_ok=True)
    return env


async def _wait_for_hub(url: str, hub: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    import httpx

    start = time.monotonic()
    async with httpx.AsyncClient() as client:
        while time.monotonic() - start < timeout:
            if hub.poll() is not None:
                raise RuntimeError(f"JupyterHub exited ({hub.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if (await client.get(f"{url}/hub/api/")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise TimeoutError(f"JupyterHub did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


async def _create_learners(url: str, token: str, count: int) -> dict[str, str]:
    """Create ``count`` learners and one token each, through the REST API."""
    import httpx

    names = [f"learner-{i:02d}" for i in range(1, count + 1)]
    admin = {"Authorization": f"token {token}"}
    async with httpx.AsyncClient(timeout=60) as client:
        made = await client.post(f"{url}/hub/api/users", headers=admin, json={"usernames": names})
        made.raise_for_status()
        tokens = {}
        for name in names:
            made = await client.post(f"{url}/hub/api/users/{name}/tokens", headers=admin,
                                     json={"note": "rehearsal", "expires_in": 4 * 3600})
            made.raise_for_status()
            tokens[name] = made.json()["token"]
    return tokens


class _Sampler:
    """Every second, the summed resident memory of the hub and everything below it.

    It also remembers every process it saw below the hub (servers, kernels, the proxy), so that
    each can be stopped by PID at the end, even after a failure.
    """

    def __init__(self):
        self.hub_pid, self.peak_mb, self.seen = 0, 0.0, {}

    async def run(self) -> None:
        import psutil

        while True:
            total = 0.0
            for proc in [procs.Proc(self.hub_pid, "hub", 0.0), *procs.descendants(self.hub_pid)]:
                if proc.pid != self.hub_pid:
                    self.seen.setdefault(proc.pid, proc)
                try:
                    total += psutil.Process(proc.pid).memory_info().rss / 2**20
                except psutil.Error:
                    continue
            self.peak_mb = max(self.peak_mb, total)
            await asyncio.sleep(1.0)


async def _room(args: argparse.Namespace, url: str, token: str, tmp: Path, env: dict, names: list[str],
                sampler: _Sampler) -> list:
    sampling = asyncio.create_task(sampler.run())
    tokens = await _create_learners(url, token, args.learners)
    hub = Hub(url, token, (tmp / "course.git").as_uri(), cell_timeout=args.cell_timeout)
    starts = offsets(args.learners, args.stagger, args.seed)
    results = await asyncio.gather(*(run_learner(hub, name, tokens[name], start, names)
                                     for (name, start) in zip(tokens, starts, strict=True)))
    # A fix pushed after everyone saved their work, and a second click on the link.
    _push_fix(tmp, env, names[0])
    await asyncio.gather(*(refresh_learner(hub, r, tokens[r.name], names[0]) for r in results
                           if r.pull_s == r.pull_s))
    sampling.cancel()
    return list(results)


def rehearse(args: argparse.Namespace) -> int:
    """Run the whole rehearsal; return 0 when every learner ran every notebook, else 1."""
    import psutil

    if not CHP.exists():
        raise SystemExit(f"configurable-http-proxy not found at {CHP}: run `make hub-rehearsal`, "
                         "which installs it with npm.")
    tmp = Path(tempfile.mkdtemp(prefix="hub-rehearsal-"))
    ports = {"public": _free_port(), "hub": _free_port(), "proxy_api": _free_port()}
    token, url = secrets.token_hex(32), f"http://127.0.0.1:{ports['public']}"
    env = _environment(tmp, ports, token)
    started: list[procs.Proc] = []
    results: list = []
    sampler, log = _Sampler(), tmp / "state" / "jupyterhub.log"
    load_before, wall = os.getloadavg()[0], time.monotonic()
    try:
        _, available = _course_repo(tmp, env)
        names = notebook_names(args.notebooks, available)
        with log.open("w") as out:
            hub = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)],
                                   cwd=tmp / "state", env=env, stdout=out, stderr=subprocess.STDOUT)
        started.append(procs.Proc(hub.pid, "hub", psutil.Process(hub.pid).create_time()))
        sampler.hub_pid = hub.pid
        asyncio.run(_wait_for_hub(url, hub, log))
        proxy_pid = int((tmp / "state" / "proxy.pid").read_text())
        started.append(procs.Proc(proxy_pid, "proxy", psutil.Process(proxy_pid).create_time()))
        results = asyncio.run(_room(args, url, token, tmp, env, names, sampler))
        facts = {"date": time.strftime("%Y-%m-%d"), **_versions(),
                 "learners": args.learners, "notebooks": " ".join(n[:2] for n in names),
                 "stagger s": args.stagger, "cores": os.cpu_count(),
                 "load average before": round(load_before, 1),
                 "load average after": round(os.getloadavg()[0], 1),
                 "hub peak MB": procs.peak_mb(hub.pid), "proxy peak MB": procs.peak_mb(proxy_pid),
                 "all processes peak MB": sampler.peak_mb,
                 "elapsed s": time.monotonic() - wall}
    finally:
        started += [proc for result in results for proc in result.found] + list(sampler.seen.values())
        failed = not results or any(r.failures for r in results)
        hub_log = log.read_text(errors="replace")[-4000:] if failed and log.exists() else ""
        leftovers = _stop(started)
        shutil.rmtree(tmp, ignore_errors=True)
        if hub_log:
            print(f"The hub's log (servers included), last lines:\n{hub_log}\n", file=sys.stderr)
    facts["left running, killed"] = len(leftovers)
    print(report.table(results, facts))
    if args.footprint:
        path = Path(args.footprint)
        text = path.read_text(encoding="utf-8") if path.exists() else "# Footprint\n"
        path.write_text(report.replace_section(text, report.footprint_section(results, facts)),
                        encoding="utf-8")
        print(f"\nwrote the rehearsal section of {path}")
    failed = any(r.failures for r in results) or bool(leftovers)
    return 1 if failed else 0


def _stop(started: list[procs.Proc]) -> list[procs.Proc]:
    """Stop the hub first (it stops its servers and proxy), then anything still running."""
    hubs = [p for p in started if p.role == "hub"]
    procs.stop_all(hubs, grace=30)
    rest = [p for p in started if p.role != "hub"]
    still = [p for p in rest if procs.same_process(p) is not None]
    procs.stop_all(still, grace=10)
    return still


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tools.hub.rehearsal",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=3, help="simulated learners (default: 3)")
    parser.add_argument("--notebooks", default=DEFAULT_NOTEBOOKS,
                        help=f"numbers such as '00,07' (default: {DEFAULT_NOTEBOOKS}), or 'all'")
    parser.add_argument("--stagger", type=float, default=10.0,
                        help="learners start at random within this many seconds (default: 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the start offsets")
    parser.add_argument("--cell-timeout", type=float, default=600.0, help="seconds allowed per cell")
    parser.add_argument("--footprint", metavar="PATH", default=None,
                        help="also keep the figures in PATH's rehearsal section (docs/footprint.md)")
    args = parser.parse_args(argv)
    if args.learners < 1:
        parser.error(f"--learners must be at least 1; got {args.learners}.")
    return rehearse(args)


if __name__ == "__main__":
    sys.exit(main())
