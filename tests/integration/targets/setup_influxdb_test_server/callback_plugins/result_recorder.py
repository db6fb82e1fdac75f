# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test helper: write every task result, as returned, to a JSON lines file."""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: result_recorder
type: aggregate
short_description: Write every task result to a JSON lines file (integration tests only)
description:
  - Appends one JSON object per task result (and per loop item) to the file named by the
    E(RESULT_RECORDER_FILE) environment variable, with the task's action, name and host.
requirements:
  - E(RESULT_RECORDER_FILE) set
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'result_recorder'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status):
        path = os.environ.get('RESULT_RECORDER_FILE')
        if not path:
            return
        task = result._task
        record = dict(status=status, action=getattr(task, 'resolved_action', None) or task.action,
                      task=task.get_name(), path=task.get_path(), host=result._host.get_name(), result=result._result)
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(record, default=str, sort_keys=True) + '\n')

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_runner_item_on_ok(self, result):
        self._record(result, 'item_ok')

    def v2_runner_item_on_failed(self, result):
        self._record(result, 'item_failed')
