# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Errors shared by the collection's module_utils."""

from __future__ import annotations


class OptionError(ValueError):
    """A module option has a value that cannot be used. Raised before any request.

    ``secrets`` are texts of the value that the module must hide wherever it reports it (its
    invocation included), such as the user info of a URL.
    """

    def __init__(self, message, secrets=()):
        super().__init__(message)
        self.secrets = tuple(secret for secret in secrets if secret)
