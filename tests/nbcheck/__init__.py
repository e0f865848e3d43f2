"""nbcheck: nbval's notebook runs, with outputs compared by how stable they are.

Registered by the root conftest.py and switched on with ``--nbcheck`` (see the Makefile).
"""
