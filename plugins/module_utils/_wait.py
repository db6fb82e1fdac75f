# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Waiting inside one module run: read, judge what is not there yet, and read again every so often
until nothing is pending or the time is up (as ``ansible.builtin.wait_for`` does with its ``timeout``)."""

from __future__ import annotations

import typing as t

from time import monotonic

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError, OptionError

if t.TYPE_CHECKING:
    from collections.abc import Callable


class WaitTimedOut(InfluxOpsError):
    """What was waited for did not come before the timeout."""


class Wait:
    """Reads every ``interval`` seconds (the module's ``poll``) until nothing is pending or ``timeout``
    seconds (its ``timeout``) have passed, counted from the start of the first read; the last sleep is cut short
    so that the last read is at the timeout.

    Made before any request, it checks that the wait between reads is not longer than the whole wait (each
    number was checked against its range when the module was created). ``clock`` is a monotonic clock in
    seconds. ``value`` is what the last read that succeeded returned, ``attempts`` the number of reads started.
    """

    def __init__(self, timeout: float, interval: float, clock: Callable[[], float] | None = None) -> None:
        if interval > timeout:
            raise OptionError('poll (%g) must be at most timeout (%g), the longest wait' % (interval, timeout))
        self.timeout = timeout
        self.interval = interval
        self.clock = clock or monotonic
        self.value: t.Any = None
        self.attempts = 0
        self.start: float | None = None

    def until(self, read: Callable[[], t.Any], pending: Callable[[t.Any], list[str]], what: str,
              sleep: Callable[[float], None]) -> t.Any:
        """Call ``read()``, then ``pending(value)`` (what is not there yet, one text each; it may raise to stop
        the wait), and ``sleep`` (the client's, which tests replace) between reads, until nothing is pending;
        return the last value. On timeout raise :class:`WaitTimedOut`, whose message says that ``what`` was not
        reached and lists what is pending."""
        self.start = start = self.clock()
        while True:
            self.attempts += 1
            self.value = read()
            left = pending(self.value)
            if not left:
                return self.value
            remaining = start + self.timeout - self.clock()
            if remaining <= 0:
                raise WaitTimedOut('%s: not reached within timeout (%g s, %d reads): %s'
                                   % (what, self.timeout, self.attempts, ', '.join(left)))
            sleep(min(self.interval, remaining))

    def result(self, key: str) -> dict[str, t.Any]:
        """What the module returns about the wait: ``waited`` (the seconds since the first read began, 0 before
        it), ``attempts`` (the reads started), and the last value read as ``key``, once a read succeeded."""
        result: dict[str, t.Any] = dict(waited=0.0 if self.start is None else round(self.clock() - self.start, 3),
                                        attempts=self.attempts)
        if self.attempts and self.value is not None:
            result[key] = self.value
        return result
