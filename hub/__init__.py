"""JupyterHub for a class: the per-student limits, a cgroup-enforcing spawner, the configs.

See the README's "Teaching a class" section; ``hub/limits.json`` is the one source of the limits.
"""
