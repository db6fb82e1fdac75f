# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx CLI profiles: the precedence task > environment > profile > default, and errors only when needed."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils import _profiles
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._profiles import parse_toml_subset

# As the influx CLI writes it (influx config create), plus a comment.
CONFIGS = '''# influx CLI profiles
[default]
  url = "http://localhost:8086"
  token = "default-token"
  org = "default-org"
  active = false

[edge]
  url = "https://edge.example.com:8086"
  token = "edge-\\"token\\""
  org = "edge-org"
  active = true

["with space"]
  url = 'http://literal:8086'
  token = "t2"
  org = "o2"
'''


def params(**kwargs):
    result = dict(host=None, token=None, org=None, org_id=None, validate_certs=None, ca_path=None, timeout=10.0, influx_config=None)
    result.update(kwargs)
    return result


@pytest.fixture(params=['tomllib', 'subset'])
def configs(request, tmp_path, monkeypatch):
    if request.param == 'subset':
        monkeypatch.setattr(_profiles, '_tomllib', lambda: None)
    elif _profiles._tomllib() is None:
        pytest.skip('tomllib needs Python 3.11')
    path = tmp_path / 'configs'
    path.write_text(CONFIGS)
    return str(path)


def test_active_profile_fills_what_is_unset(configs):
    conn = resolve_connection(params(), environ=dict(INFLUX_CONFIGS_PATH=configs))
    assert (conn.host, conn.token, conn.org) == ('https://edge.example.com:8086', 'edge-"token"', 'edge-org')


def test_task_then_environment_then_profile(configs):
    environ = dict(INFLUX_CONFIGS_PATH=configs, INFLUX_ORG='env-org')
    conn = resolve_connection(params(host='http://task:8086'), environ=environ)
    assert (conn.host, conn.token, conn.org) == ('http://task:8086', 'edge-"token"', 'env-org')


@pytest.mark.parametrize('how', ['option', 'environment'])
def test_named_profile(configs, how):
    environ = dict(INFLUX_CONFIGS_PATH=configs)
    if how == 'option':
        conn = resolve_connection(params(influx_config='with space'), environ=environ)
    else:
        environ['INFLUX_ACTIVE_CONFIG'] = 'with space'
        conn = resolve_connection(params(), environ=environ)
    assert (conn.host, conn.token, conn.org) == ('http://literal:8086', 't2', 'o2')


def test_unknown_profile_name_is_an_error_when_needed(configs):
    with pytest.raises(OptionError, match="influx CLI profile 'nope' not found in .* \\(profiles there: default, edge, with space\\)"):
        resolve_connection(params(influx_config='nope'), environ=dict(INFLUX_CONFIGS_PATH=configs))


def test_profile_is_not_read_when_nothing_is_missing(tmp_path):
    broken = tmp_path / 'configs'
    broken.write_text('this is [ not toml')
    conn = resolve_connection(params(host='http://h:8086', token='t', org='o', influx_config='nope'),
                              environ=dict(INFLUX_CONFIGS_PATH=str(broken)))
    assert conn.token == 't'


def test_broken_file_is_an_error_when_needed(tmp_path):
    broken = tmp_path / 'configs'
    broken.write_text('[edge]\nurl = http://unquoted\n')
    with pytest.raises(OptionError, match='cannot read the influx CLI profiles in .*configs'):
        resolve_connection(params(token='t', org='o'), environ=dict(INFLUX_CONFIGS_PATH=str(broken)))


def test_missing_file_falls_back_to_the_default_host(tmp_path):
    conn = resolve_connection(params(token='t', org='o'), environ=dict(INFLUX_CONFIGS_PATH=str(tmp_path / 'none')))
    assert conn.host == 'http://localhost:8086'


def test_missing_file_with_a_named_profile_is_an_error(tmp_path):
    with pytest.raises(OptionError, match='cannot read the influx CLI profiles'):
        resolve_connection(params(token='t', org='o', influx_config='edge'), environ=dict(INFLUX_CONFIGS_PATH=str(tmp_path / 'none')))


def test_missing_token_names_every_place_to_set_it(tmp_path):
    with pytest.raises(OptionError) as info:
        resolve_connection(params(org='o'), environ=dict(INFLUX_CONFIGS_PATH=str(tmp_path / 'none'), INFLUX_TOKEN=''))
    assert 'INFLUX_TOKEN environment variable (it is set but empty)' in str(info.value)
    assert 'the active profile in' in str(info.value)


@pytest.mark.parametrize('text', ['key = "outside a table"', '[t]\nk = [1, 2]', '[t]\nk = 1.5', '[t\nk = "v"'])
def test_subset_parser_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError):
        parse_toml_subset(text)


def test_subset_parser_allows_comments_after_table_headers():
    assert parse_toml_subset('[default] # c\n["other org"]   # the other one\nurl = "u"\n') == {'default': {}, 'other org': {'url': 'u'}}


def test_subset_parser_values():
    assert parse_toml_subset('[a]\ns = "x\\ty" # c\nl = \'raw\\n\'\nb = true\ni = -3\n') == {'a': {'s': 'x\ty', 'l': 'raw\\n', 'b': True, 'i': -3}}


def test_trace_span_is_checked():
    with pytest.raises(OptionError, match='trace_span must be a header value'):
        resolve_connection(params(host='http://h', token='t', org='o', trace_span='a\r\nX-Evil: 1'), environ={})
