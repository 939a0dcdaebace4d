"""python -m penrose.demo on the classic session: NIST's certified digits, the rank, the gradient check, the plot."""

import os

import pytest

from penrose import demo


def test_the_demo_fits_longley_finds_the_rank_and_checks_the_gradient(spark, session_kind, tmp_path, capsys):
    if session_kind != "classic":
        pytest.skip("the demo builds a classic local session")
    result = demo.main(["--output", str(tmp_path)])
    assert result["digits"] > 13  # NIST's certified coefficients (numpy's lstsq gets 10.9)
    assert result["rank"] == 7 and len(result["dependent"]) == 1
    assert result["gradient_error"] < 1e-6
    assert os.path.getsize(result["plot"]) > 10_000
    printed = capsys.readouterr().out
    assert "correct digits against NIST's certified values" in printed and "gradient check" in printed
