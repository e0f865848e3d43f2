"""nbgrader's configuration for the course (README, "Running it as a graded assignment").

Run nbgrader through ``course/nbgrader``: it puts the project's venv on PATH (nbgrader runs the
venv's ``alembic`` for its gradebook) and runs in this directory, the course root.
"""

import os

from nbgrader.converters import GenerateAssignment

from lecture_helpers.check.release import release_preprocessors

c = get_config()  # noqa: F821 - nbgrader's config loader defines it

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "visualizing-convnets"

# The longest cell of the core notebooks, notebook 3's four flamingos, took 27 s under the
# autograder on 2 cores of an Intel Xeon (2026-12-07); a slow machine or a busy grading server
# takes several times that. nbgrader's default, 30 s, would stop it, and the cell would fail.
c.Execute.timeout = 900

# The release is the student edition with its figures (lecture_helpers/check/release.py), the
# same notebooks `make student` writes; nbgrader's default release clears every output.
c.GenerateAssignment.preprocessors = release_preprocessors(
    GenerateAssignment.class_traits()["preprocessors"].default()
)

# The exchange, where release_assignment puts the releases and the students' submit puts their
# work, is nbgrader's default, /usr/local/share/nbgrader/exchange, which students' nbgrader finds
# without any configuration. For another directory, set c.Exchange.root here and in the students'
# nbgrader_config.py (on a hub, /etc/jupyter/nbgrader_config.py).
