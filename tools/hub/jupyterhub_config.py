"""JupyterHub configuration for the workshop rehearsal (``make hub-rehearsal``).

A template: ``tools/hub/rehearsal.py`` fills it through ``REHEARSAL_*`` environment variables
(ports, folders, commands, the admin token). Everything listens on 127.0.0.1 only, which is what
makes the dummy authenticator acceptable here; a real workshop replaces it (see
docs/workshop-runbook.md, "Real authentication").
"""

import os

c = get_config()  # noqa: F821 - JupyterHub defines get_config() for its config files
env = os.environ
state = env["REHEARSAL_STATE_DIR"]

# Loopback only: the proxy (what learners' browsers reach), the hub and the proxy's API.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(env["REHEARSAL_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env["REHEARSAL_HUB_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env['REHEARSAL_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [env["REHEARSAL_CHP"]]
c.ConfigurableHTTPProxy.pid_file = f"{state}/proxy.pid"

# The hub's own files go to the rehearsal's temporary folder, not the current directory.
c.JupyterHub.db_url = f"sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{state}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{state}/jupyterhub.pid"

# Any name logs in with any password: acceptable only because nothing leaves this machine.
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True

# The rehearsal drives the hub through its REST API as a service holding the admin role.
c.JupyterHub.services = [{"name": "rehearsal", "api_token": env["REHEARSAL_ADMIN_TOKEN"]}]
c.JupyterHub.load_roles = [{"name": "admin", "services": ["rehearsal"]}]

# One single-user JupyterLab server per learner, as a local process, home in a temporary folder.
c.JupyterHub.spawner_class = "simple"  # jupyterhub.spawner.SimpleLocalProcessSpawner
c.SimpleLocalProcessSpawner.home_dir_template = env["REHEARSAL_HOMES"] + "/{username}"
c.Spawner.cmd = [env["REHEARSAL_SINGLEUSER"]]
# jupyter-server refuses to run as root unless told; elsewhere the flag is not needed.
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = int(env.get("REHEARSAL_START_TIMEOUT", "180"))
c.Spawner.http_timeout = int(env.get("REHEARSAL_START_TIMEOUT", "180"))
# Every Jupyter and IPython folder under the learner's temporary home, none in the real one.
c.Spawner.environment = {
    "JUPYTER_CONFIG_DIR": lambda spawner: f"{spawner.home_dir}/.jupyter",
    "JUPYTER_DATA_DIR": lambda spawner: f"{spawner.home_dir}/.local/share/jupyter",
    "JUPYTER_RUNTIME_DIR": lambda spawner: f"{spawner.home_dir}/.local/share/jupyter/runtime",
    "IPYTHONDIR": lambda spawner: f"{spawner.home_dir}/.ipython",
    "MPLCONFIGDIR": lambda spawner: f"{spawner.home_dir}/.config/matplotlib",
}
