"""dlkit — the engine of the hands-on Deep Learning Training course.

    import dlkit as dk
    X, y = dk.data.spirals(n_samples=1000, noise=0.1, seed=0)
    model = dk.MLP([2, 16, 16, 2], activation="tanh", init="xavier_uniform", seed=0)
    hist = dk.fit(model, X, y, loss="cross_entropy", optimizer="sgd", lr=0.1, epochs=100, batch_size=32)

Heavy libraries (torch, matplotlib, ipywidgets) are imported only when a feature needs them.
"""
from . import (activations, backend, compiled, data, gpu, gradcheck, initializers, layers, losses, metrics, packing,
               optimizers, reference, training)
from . import initializers as init
from .backend import get_backend, set_backend, using_backend
from .gradcheck import numerical_gradient, rel_error
from .model import MLP
from .training import Adjust, EarlyStopping, History, LayerStats, fit

__version__ = "0.1.0"
__all__ = ["set_backend", "get_backend", "using_backend", "MLP", "fit", "History", "Adjust", "EarlyStopping", "LayerStats",
           "data", "metrics", "compiled", "init", "initializers", "optimizers", "activations", "losses", "layers",
           "training", "backend", "gradcheck", "reference", "gpu", "numerical_gradient", "rel_error"]
