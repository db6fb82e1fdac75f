# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from ansible.module_utils import _internal

from ansible_collections.influxops.influxdb2.tests.unit.plugins.echoes import leaks
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import run_module


@pytest.fixture(autouse=True)
def as_on_a_target(monkeypatch):
    """Modules run as on the host that runs them, even once a test has imported controller code (a filter
    plugin imports ansible.errors, after which ansible-core sends a module's warnings to the display)."""
    monkeypatch.setattr(_internal, 'is_controller', False)


@pytest.fixture
def run_main(monkeypatch, capsys):
    """``run_main(module, args, calls, secrets=(), base_args=None, read_only=False, **kwargs)``.

    Runs ``module.main()`` with ``base_args`` updated by ``args`` against the scripted ``calls``
    (``kwargs`` as for ``run_module``: check_mode, diff, env, version) and returns ``(result, server)``,
    after checking that every call was made, that no secret is anywhere in the result, in any form a
    server may echo it in (see ``echoes.leaks``), and, with
    ``read_only``, that nothing was written.
    """
    def run(module, args, calls, secrets=(), base_args=None, read_only=False, **kwargs):
        result, server = run_module(module, dict(base_args or {}, **args), calls, monkeypatch, capsys, **kwargs)
        server.assert_done()
        for secret in secrets:
            assert leaks(result, secret) == []
        if read_only:
            assert server.writes == []
        return result, server
    return run
