"""nbcheck: nbval's notebook runs, with outputs compared by how stable they are.

Loaded with ``-p tests.nbcheck.plugin`` and switched on with ``--nbcheck`` (see the Makefile).
"""
