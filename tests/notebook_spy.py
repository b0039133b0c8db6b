"""Started in every kernel nbval runs (``make test`` sets PYTHONSTARTUP to this file and DLKIT_DIVERGENCE_LOG to a
log): a spy on ``fit``'s divergence verdicts, so the notebooks' one run also proves that the "exploded" rule
(``training.EXPLOSION_FACTOR``) stops no run of the course that the old rule (NaN or infinity only) let finish.
tests/test_divergence_in_notebooks.py reads the log afterwards. Without DLKIT_DIVERGENCE_LOG it does nothing.
"""
import os

if os.environ.get("DLKIT_DIVERGENCE_LOG"):
    def _install_divergence_spy(log_path):
        import copy
        import json
        import math

        import dlkit
        import dlkit.training as training

        fit = training.fit

        def write(entry):
            with open(log_path, "a") as log:
                log.write(json.dumps(dict(entry, pid=os.getpid(), cwd=os.getcwd()), default=str) + "\n")

        def spy(model, *args, **kwargs):
            before = copy.deepcopy(model)
            hist = fit(model, *args, **kwargs)
            if hist.divergence == training.EXPLODED:
                factor, training.EXPLOSION_FACTOR = training.EXPLOSION_FACTOR, math.inf
                try:                      # the same run under the old rule: NaN or infinity only
                    old = fit(before, *args, **dict(kwargs, callbacks=(), resume=None, verbose=False))
                finally:
                    training.EXPLOSION_FACTOR = factor
                write({"event": "exploded", "lr": kwargs.get("lr"), "at": hist.diverged_at,
                       "false_alarm": not old.diverged, "old_rule_final_loss": old.train_loss[-1]})
            return hist

        training.fit = dlkit.fit = spy
        write({"event": "kernel"})

    _install_divergence_spy(os.environ["DLKIT_DIVERGENCE_LOG"])
    del _install_divergence_spy
