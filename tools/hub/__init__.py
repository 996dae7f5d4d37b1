"""The workshop rehearsal: a real JupyterHub with simulated learners (make hub-rehearsal)."""
