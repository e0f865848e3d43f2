"""nbcheck, the notebook comparison: text tolerance, cell policies and picture measures."""

from __future__ import annotations

import numpy as np
import pytest

from tests.nbcheck import pictures, policy, text

# -- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "new"),
    [
        ("share on the left half: 0.58", "share on the left half: 0.58"),
        ("share on the left half: 0.58", "share on the left half: 0.59"),  # a rounding flip
        ("P(dog) = 0.28  ->  cat", "P(dog) = 0.27  ->  cat"),
        ("mass 96%; zeros 48.8 %", "mass 96%; zeros 48.9 %"),
        ("max difference 1.2e-06", "max difference 1.3e-06"),
        ("grayscale std   9.9", "grayscale std  10.0"),  # padding follows the width
        ("f_c: [3.39]", "f_c: [3.40]"),
        ("cos = -0.94", "cos = -0.95"),
        ("-0.00 and 0.00", "0.00 and -0.00"),
    ],
)
def test_floats_may_move_by_one_unit_in_their_last_digit(reference, new):
    assert text.first_mismatch(reference, new) is None


@pytest.mark.parametrize(
    ("reference", "new", "reason"),
    [
        ("share: 0.58", "share: 0.60", "float"),  # two units
        ("P = 0.99 after 20 steps", "P = 0.95 after 20 steps", "float"),
        ("top-5 in 8/8 random views", "top-5 in 7/8 random views", "integer"),  # counts exact
        ("(1, 148, 148, 32)  conv2d_0", "(1, 148, 148, 31)  conv2d_0", "integer"),
        ("Egyptian cat 0.79", "tabby 0.79", "text"),
        ("conv2d_0 (Conv2D)", "conv2d_1 (Conv2D)", "text"),  # digits inside names are text
        ("values in [0.0, 1.0]", "values in [0.0, 1.0, 2.0]", "count"),
        ("attributions all zero: True", "attributions all zero: False", "text"),
    ],
)
def test_other_differences_are_reported(reference, new, reason):
    mismatch = text.first_mismatch(reference, new)
    assert mismatch is not None and reason in mismatch.reason, mismatch


def test_rtol_widens_floats_only():
    assert text.first_mismatch("gap: 7.3%", "gap: 7.9%") is not None
    assert text.first_mismatch("gap: 7.3%", "gap: 7.9%", rtol=0.1) is None
    assert text.first_mismatch("gap: 7.3%", "gap: 8.5%", rtol=0.1) is not None
    assert text.first_mismatch("8 of 8", "7 of 8", rtol=0.5) is not None


def test_last_digit_unit():
    assert text.last_digit_unit("0.58") == pytest.approx(0.01)
    assert text.last_digit_unit("48.8") == pytest.approx(0.1)
    assert text.last_digit_unit("1.2e-06") == pytest.approx(1e-7)
    assert text.last_digit_unit("3e-05") == pytest.approx(1e-5)


# -- cell policies ------------------------------------------------------------------------


WHY = "gradient ascent amplifies float rounding, which differs by CPU"


def _cell(source: str = "run()", **nbcheck) -> dict:
    return {"cell_type": "code", "source": source,
            "metadata": {"nbcheck": nbcheck} if nbcheck else {}}


def test_default_policy():
    assert policy.of_cell(_cell("x = 1\nprint(x)")).is_default


def test_policy_settings_and_why_live_in_metadata():
    cell = policy.of_cell(_cell(pictures="ascent", rtol=0.05, why=WHY,
                                bounds={"P after 20 steps": {"at_least": 0.9}}))
    assert cell.pictures == "ascent" and cell.rtol == 0.05
    assert "amplifies" in cell.why
    bound = cell.bounds["P after 20 steps"]
    assert bound.holds(0.9) and not bound.holds(0.89)
    assert policy.of_cell(_cell(ignore=True, why="a widget's text form shows live state")).ignore


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"ignore": True}, "must say why"),
        ({"ignore": True, "why": "ok"}, "must say why"),
        ({"pictures": "fuzzy", "why": WHY}, "pictures must be one of"),
        ({"rtol": 2, "why": WHY}, "between 0 and 1"),
        ({"why": WHY}, "names no setting"),
        ({"pictures": "ascent", "tolerance": 3, "why": WHY}, "unknown nbcheck setting"),
        ({"bounds": {"P": {"above": 0.9}}, "why": WHY}, "at_least"),
        ({"bounds": {"P": {"at_least": "high"}}, "why": WHY}, "finite number"),
    ],
)
def test_bad_policies_are_refused(settings, message):
    with pytest.raises(policy.PolicyError, match=message):
        policy.of_cell(_cell(**settings))


@pytest.mark.parametrize(
    "marker", ["# nbcheck: ignore -- a live widget view", "# NBVAL_IGNORE_OUTPUT"]
)
def test_a_policy_in_the_source_is_refused_students_would_read_it(marker):
    with pytest.raises(policy.PolicyError, match="move it into the cell's 'nbcheck' metadata"):
        policy.of_cell(_cell(marker + "\nrun()"))


# -- bounded numbers ------------------------------------------------------------------------

BOUNDS = {"P(flamingo) after 20 steps": policy.Bound(at_least=0.9),
          "top-5 in random views (of 8)": policy.Bound(at_least=7)}


def test_a_bounded_number_is_checked_by_its_bound_not_its_digits():
    committed = "P(flamingo) after 20 steps: 1.00\npeacock top-5 in random views (of 8): 8\n"
    new = "P(flamingo) after 20 steps: 0.93\npeacock  top-5 in random views (of 8): 7\n"
    a, b, problems = text.apply_bounds(committed, new, BOUNDS)
    assert problems == []
    assert text.first_mismatch(a, b) is None
    assert "…" in a and "0.93" not in b


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        ("P(flamingo) after 20 steps: 0.85\nx top-5 in random views (of 8): 8\n",
         "'P(flamingo) after 20 steps' = 0.85 (new), bound ≥ 0.9"),
        ("P(flamingo) after 20 steps: 0.95\nx top-5 in random views (of 8): 6\n",
         "'top-5 in random views (of 8)' = 6 (new), bound ≥ 7"),
    ],
)
def test_a_bounded_number_outside_its_bound_fails(new, problem):
    committed = "P(flamingo) after 20 steps: 1.00\nx top-5 in random views (of 8): 8\n"
    assert text.apply_bounds(committed, new, BOUNDS)[2] == [problem]


def test_unbounded_numbers_and_words_are_still_compared():
    committed = "P(flamingo) after 20 steps: 1.00 at step 12\n"
    a, b, _ = text.apply_bounds(committed, "P(flamingo) after 20 steps: 0.97 at step 14\n", BOUNDS)
    assert "an integer differs" in str(text.first_mismatch(a, b))
    a, b, _ = text.apply_bounds(committed, "P(tabby) after 20 steps: 0.97 at step 12\n", BOUNDS)
    assert text.first_mismatch(a, b) is not None


def test_a_bound_that_labels_nothing_is_reported():
    assert text.unmatched_bounds(["P(flamingo) after 20 steps: 1.00"], BOUNDS) == [
        "top-5 in random views (of 8)"
    ]


# -- pictures -----------------------------------------------------------------------------


def _figure(seed: int = 0, colour=(200, 80, 120)) -> np.ndarray:
    """A white 'figure' with two textured panels, like a row of gradient-ascent pictures."""
    rng = np.random.default_rng(seed)
    figure = np.full((160, 320, 3), 255.0)
    for left in (20, 180):
        texture = rng.normal(0, 40, (120, 120, 3)) + np.asarray(colour, float)
        figure[20:140, left : left + 120] = np.clip(texture, 0, 255)
    return np.round(figure)


def test_forward_pictures_pass_float_noise_and_fail_real_changes():
    reference = _figure()
    noisy = reference.copy()
    noisy[::37, ::41] += 1.0  # a few pixels one level off: float32 noise after rounding
    assert pictures.compare(reference, noisy, "forward").ok
    swapped = reference[..., ::-1]  # RGB <-> BGR
    verdict = pictures.compare(reference, swapped, "forward")
    assert not verdict.ok and "mean difference" in str(verdict)
    inverted = 255.0 - reference
    assert not pictures.compare(reference, inverted, "forward").ok


def test_ascent_pictures_compare_colours_and_layout_not_strokes():
    reference, other_strokes = _figure(seed=0), _figure(seed=1)
    assert not pictures.compare(reference, other_strokes, "forward").ok
    assert pictures.compare(reference, other_strokes, "ascent").ok
    recoloured = _figure(seed=1, colour=(80, 200, 120))
    verdict = pictures.compare(reference, recoloured, "ascent")
    assert not verdict.ok and "colour" in str(verdict)
    one_panel = reference.copy()
    one_panel[20:140, 180:300] = 255.0
    assert not pictures.compare(reference, one_panel, "ascent").ok


def test_a_chaotic_curve_may_cross_a_neighbouring_block_but_not_move_away():
    """An objective curve drawn with thin lines moves by a block from one run to the next."""
    blank = np.full((240, 480, 3), 255.0)
    curve, nearby, elsewhere = blank.copy(), blank.copy(), blank.copy()
    curve[100:103, 24:456] = 40.0  # one thin line across 18 blocks
    nearby[124:127, 24:456] = 40.0  # the next row of blocks
    elsewhere[196:199, 24:456] = 40.0  # four blocks lower
    assert pictures.layout_overlap(curve, nearby) == 1.0
    assert pictures.layout_overlap(curve, elsewhere) == 0.0
    assert pictures.compare(curve, nearby, "ascent").ok


def test_a_different_size_fails_with_the_sizes():
    verdict = pictures.compare(_figure(), _figure()[:, :300], "ascent")
    assert not verdict.ok and "300x160 px, committed 320x160 px" in str(verdict)


def test_unknown_mode():
    with pytest.raises(ValueError, match="forward, ascent"):
        pictures.compare(_figure(), _figure(), "exact")


def test_artifacts_are_written(tmp_path):
    reference = _figure()
    new = reference.copy()
    new[40:60, 40:60] = 0
    paths = pictures.write_artifacts(tmp_path, "nb-cell03-0", reference, new)
    assert [p.name for p in paths] == [
        "nb-cell03-0-reference.png", "nb-cell03-0-new.png", "nb-cell03-0-difference.png"
    ]
    difference = pictures.decode_png(paths[2].read_bytes())
    assert difference[40:60, 40:60].max() == 255 and difference[40:60, 40:60].min() > 0
    assert difference[60:, 60:].max() == 0
    assert np.array_equal(pictures.decode_png(paths[1].read_bytes()), new)
