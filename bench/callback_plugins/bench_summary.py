# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Quiet stdout callback for the benchmarks in bench/ (not part of the collection).

It prints nothing while the play runs, except failures, and at the end writes a JSON summary
to the file named by the environment variable BENCH_SUMMARY_FILE:

    {"module_runs": {"influxops.influxdb2.influx_remote": 50, ...},
     "changed": {...}, "failed": [...], "unreachable": [...], "skipped": {...},
     "recap": {"host": {"ok": 1, "changed": 0, "failures": 0, ...}},
     "plays": [{"name": "...", "seconds": 4.2}, ...]}

``module_runs`` counts executions of a module: one per host for a task without a loop, one
per executed item for a looped task. Skipped tasks and items are counted under ``skipped``.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: bench_summary
type: stdout
short_description: Quiet output and a JSON summary for the influxops.influxdb2 benchmarks
description:
  - Prints failures only and writes a JSON summary of module runs, changes, failures, the
    recap and the duration of each play to the file named by E(BENCH_SUMMARY_FILE).
author:
  - InfluxOps contributors (@influxops)
'''

import json
import os
import time
from collections import Counter

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'bench_summary'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.module_runs = Counter()
        self.changed = Counter()
        self.skipped = Counter()
        self.failed = []
        self.unreachable = []
        self.plays = []
        self._play_started = None

    def _end_play(self):
        if self._play_started is not None:
            self.plays[-1]['seconds'] = round(time.monotonic() - self._play_started, 3)
            self._play_started = None

    def v2_playbook_on_play_start(self, play):
        self._end_play()
        self.plays.append(dict(name=play.get_name()))
        self._play_started = time.monotonic()

    @staticmethod
    def _action(result):
        return result._task.action

    @staticmethod
    def _is_loop_summary(result):
        return isinstance(result._result, dict) and 'results' in result._result

    def _count(self, result):
        action = self._action(result)
        self.module_runs[action] += 1
        if result._result.get('changed'):
            self.changed[action] += 1

    def _failure(self, result, kind):
        res = result._result
        msg = res.get('msg') or res.get('module_stderr') or res.get('stderr') or ''
        if res.get('_ansible_no_log'):
            msg = 'output hidden by no_log'
        entry = dict(host=result._host.get_name(), task=result._task.get_name(), action=self._action(result),
                     kind=kind, msg=str(msg)[:500])
        (self.unreachable if kind == 'unreachable' else self.failed).append(entry)
        self._display.display('BENCH %s: %s | %s | %s' % (kind.upper(), entry['host'], entry['task'], entry['msg']),
                              stderr=True)

    # a task without a loop (or the summary of a looped one, already counted per item)
    def v2_runner_on_ok(self, result):
        if not self._is_loop_summary(result):
            self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not self._is_loop_summary(result):
            self._count(result)
            if not ignore_errors:
                self._failure(result, 'failed')

    def v2_runner_on_skipped(self, result):
        if not self._is_loop_summary(result):
            self.skipped[self._action(result)] += 1

    def v2_runner_on_unreachable(self, result):
        self._failure(result, 'unreachable')

    # items of a looped task
    def v2_runner_item_on_ok(self, result):
        self._count(result)

    def v2_runner_item_on_failed(self, result):
        self._count(result)
        self._failure(result, 'failed')

    def v2_runner_item_on_skipped(self, result):
        self.skipped[self._action(result)] += 1

    def v2_playbook_on_stats(self, stats):
        self._end_play()
        recap = {}
        for host in sorted(stats.processed.keys()):
            recap[host] = stats.summarize(host)
        summary = dict(module_runs=dict(self.module_runs), changed=dict(self.changed), skipped=dict(self.skipped),
                       failed=self.failed, unreachable=self.unreachable, recap=recap, plays=self.plays)
        path = os.environ.get('BENCH_SUMMARY_FILE')
        if path:
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump(summary, handle, indent=1, sort_keys=True)
