"""Kish's design effect and effective sample size of orchestration.statistics.weights."""

import numpy as np
import pandas as pd
import pytest

from orchestration.statistics import (
    effective_sample_size,
    kish_design_effect,
    rake,
    summarise_weights,
)


def test_equal_weights_have_no_design_effect() -> None:
    summary = summarise_weights([2.5] * 8)
    assert summary.kish_deff == pytest.approx(1.0)
    assert summary.n_effective == pytest.approx(8.0)
    assert (summary.min_weight, summary.max_weight, summary.ratio) == (2.5, 2.5, 1.0)


def test_hand_computed_example() -> None:
    # w = (1, 1, 2, 4): sum 8, sum of squares 22 -> deff = 4 * 22 / 64, n_eff = 64 / 22.
    w = [1.0, 1.0, 2.0, 4.0]
    assert kish_design_effect(w) == pytest.approx(4 * 22 / 64)
    assert effective_sample_size(w) == pytest.approx(64 / 22)
    summary = summarise_weights(w)
    assert (summary.n, summary.total, summary.ratio) == (4, 8.0, 4.0)
    assert summary.n_effective * summary.kish_deff == pytest.approx(4)


def test_scale_invariant_and_agrees_with_raking() -> None:
    rng = np.random.default_rng(7)
    w = rng.uniform(0.2, 3.0, size=50)
    assert kish_design_effect(w * 1000) == pytest.approx(kish_design_effect(w))
    frame = pd.DataFrame({"g": rng.choice(["a", "b"], size=50)})
    frame.loc[:1, "g"] = ["a", "b"]
    raked = rake(frame, {"g": {"a": 600.0, "b": 400.0}}, w)
    assert kish_design_effect(raked.weights) == pytest.approx(raked.kish_deff)
    assert effective_sample_size(raked.weights) == pytest.approx(raked.n_effective)


@pytest.mark.parametrize("bad", [[], [1.0, 0.0], [1.0, -2.0], [1.0, float("nan")]])
def test_rejects_invalid_weights(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        summarise_weights(bad)
