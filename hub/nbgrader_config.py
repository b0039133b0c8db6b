"""nbgrader's config for every account of the hub, installed as {shared env}/etc/jupyter/nbgrader_config.py.

Every account's nbgrader reads it (the environment's own config level: nothing is written into /etc). The
grader's working directory adds its own nbgrader_config.py (course root, gradebook, timeouts) on top.
"""
c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.course_id = "dlkit-training"          # = the name of the formgrader service
c.Exchange.root = "/srv/dlkit-hub/exchange"              # 1777, the course folder inside it the grader's
c.Exchange.path_includes_course = True                   # fetched into ~/dlkit-training/<assignment>/
# students see the courses of their hub groups (nbgrader-<course>), graders those of formgrade-<course>
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
