"""dlkit.packing: the kinds, slots and names every backend reads, written once."""
import numpy as np
import pytest

from dlkit import activations, losses, optimizers, packing


def test_kind_ids_are_the_positions_of_the_names():
    assert activations.NAMES == packing.ACTIVATIONS and losses.NAMES == packing.LOSSES
    assert optimizers.NAMES == packing.OPTIMIZERS
    assert activations.ID["relu"] == packing.ACT_RELU and activations.ID["linear"] == packing.ACT_LINEAR
    assert losses.ID["cross_entropy"] == packing.LOSS_CROSS_ENTROPY and losses.ID["mse"] == packing.LOSS_MSE
    assert optimizers.ID["adamw"] == packing.OPT_ADAMW and optimizers.ID["sgd"] == packing.OPT_SGD


def test_classification_losses_are_named_once():
    assert losses.CLASSIFICATION == ("binary_cross_entropy", "cross_entropy", "hinge")
    assert [losses.is_classification(losses.ID[name]) for name in losses.NAMES] == \
        [name in losses.CLASSIFICATION for name in losses.NAMES]


def test_slots_do_not_overlap_and_fit_their_vectors():
    hyper = [packing.LR, packing.MOMENTUM, packing.BETA1, packing.BETA2, packing.EPS, packing.WEIGHT_DECAY,
             packing.CLIP, packing.L1, packing.L2, packing.DROPOUT, packing.BN_MOMENTUM, packing.BN_EPS]
    assert sorted(hyper) == list(range(packing.N_HYPER))
    assert max(hyper[:6]) < packing.N_OPTIMIZER_SLOTS == len(optimizers.get("adam").vector())
    iconf = [packing.LOSS, packing.OPT, packing.BATCH, packing.SEED, packing.STEP, packing.UPDATE_STATS,
             packing.KEEP_GRAD]
    assert sorted(iconf) == list(range(packing.N_ICONF))
    assert packing.empty_hyper().shape == (packing.N_HYPER,) and packing.empty_iconf().dtype == np.int64


def test_parameter_names_round_trip():
    for piece in (packing.WEIGHT, packing.BIAS, packing.GAMMA, packing.BETA, packing.RUNNING_VAR):
        for k in (1, 3, 12):
            assert packing.split_name(packing.param_name(piece, k)) == (piece, k)
    with pytest.raises(ValueError, match="not a parameter name"):
        packing.split_name("W")
