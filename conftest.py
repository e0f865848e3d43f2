"""pytest set-up for the whole repository: nbcheck, the notebook comparison (--nbcheck)."""

pytest_plugins = ["tests.nbcheck.plugin"]
