"""nbgrader configuration: the course root is this repository.

`solutions/` holds the instructor (source) notebooks, `exercises/` the student versions nbgrader generates.
"""
c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.course_id = "dlkit-training"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
