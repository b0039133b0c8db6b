"""Course tools that are not part of dlkit: the JupyterLab launcher (`make lab`) and the student-kit builder."""
