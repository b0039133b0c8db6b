"""A JupyterHub for the class, run for real: `make hub-demo`, `make hub-test` (docs/jupyterhub.md).

install.py   the system side (root): the proxy, one shared environment students can run, its Jupyter config, the
             trusted JIT cache
accounts.py  real Unix accounts: an instructor, a grader, students; private homes; removed afterwards
term.py      a term driven through the hub: release, fetch, answer, check, submit, collect, grade, feedback
demo.py      all of it in order, with the hub started and stopped: `python -m hub.demo`
"""
