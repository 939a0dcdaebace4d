"""README.md's ```python blocks, run as a notebook runs them: in order, sharing their names, in a scratch
folder. The Spark Connect block runs in the Connect run, against this run's server (its URL for the
README's sc://localhost:15002); the others on the classic session."""

import os
import re

import numpy as np
import pytest

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
CONNECT = "# Spark Connect"


def blocks():
    with open(README) as f:
        text = f.read()
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_readme_has_its_python_examples():
    found = blocks()
    assert len(found) >= 4 and sum(b.startswith(CONNECT) for b in found) == 1


def test_classic_blocks_run_in_order(spark, session_kind, tmp_path, monkeypatch):
    if session_kind != "classic":
        pytest.skip("the classic blocks run on the classic session")
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks():
        if not block.startswith(CONNECT):
            exec(compile(block, README, "exec"), namespace)


def test_connect_block_runs_against_the_server(connect_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (block,) = [b for b in blocks() if b.startswith(CONNECT)]
    assert "sc://localhost:15002" in block
    exec(compile(block.replace("sc://localhost:15002", connect_url), README, "exec"), {"np": np})


def dev_commands():
    """README's ``python3 dev/...`` benchmark commands (minutes each, so parsed here, not run)."""
    with open(README) as f:
        text = f.read()
    return [" ".join(c.split()) for c in re.findall(r"`(python3\s+dev/[^`]+)`", text)]


def test_the_readmes_benchmark_commands_parse_against_their_scripts():
    import importlib.util
    import shlex

    commands = dev_commands()
    assert len(commands) >= 8, commands
    dev = os.path.join(os.path.dirname(README), "dev")
    for command in commands:
        words = shlex.split(command)
        script = os.path.join(dev, os.path.basename(words[1]))
        assert os.path.isfile(script), command
        spec = importlib.util.spec_from_file_location(os.path.basename(script)[:-3], script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # defines, runs nothing (each runs main() only as __main__)
        if hasattr(module, "arguments"):  # the scripts with options: argparse names any it does not know
            module.arguments().parse_args(words[2:])
        else:  # nist_exact_ls.py: a dataset name, then a degree
            assert words[2:3] and module.read(words[2]), command
