# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How the connection options are checked and filled from the environment."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._argspec import (
    OptionError,
    check_http_url,
    check_id,
    resolve_connection,
)


NO_PROFILES = '/nonexistent/influx-configs'


def params(**kwargs):
    result = dict(host='http://localhost:8086', token='t', org=None, org_id=None, validate_certs=None, ca_path=None, timeout=10.0)
    result.update(kwargs)
    return result


def env(**kwargs):
    return dict(kwargs, INFLUX_CONFIGS_PATH=NO_PROFILES)


@pytest.mark.parametrize('value', ['http://h', 'https://h:8086/', 'http://10.0.0.1:8086', 'https://[::1]:8086', 'HTTPS://H'])
def test_good_urls(value):
    assert check_http_url(value, 'host') == value


@pytest.mark.parametrize('value', ['h:8086', '/api', 'ftp://h', 'http://', 'http://h:99999', 'http://h x', 'http://[::1', None, 5])
def test_bad_urls(value):
    with pytest.raises(OptionError, match='^host must be an absolute'):
        check_http_url(value, 'host')


def test_ids_are_lower_cased():
    assert check_id('ABCDEF0123456789', 'org_id') == 'abcdef0123456789'


@pytest.mark.parametrize('value', ['abc', 'g123456789abcdef', '0123456789abcdef0', ' 0123456789abcdef', '0000000000000000', None])
def test_bad_ids(value):
    with pytest.raises(OptionError, match='^org_id must'):
        check_id(value, 'org_id')


def test_org_id_environment_comes_before_org():
    conn = resolve_connection(params(), environ=env(INFLUX_ORG_ID='0123456789ABCDEF', INFLUX_ORG='edge'))
    assert (conn.org, conn.org_id) == (None, '0123456789abcdef')


def test_org_environment():
    conn = resolve_connection(params(), environ=env(INFLUX_ORG='edge'))
    assert (conn.org, conn.org_id) == ('edge', None)


def test_task_org_wins_over_environment_org_id():
    conn = resolve_connection(params(org='edge'), environ=env(INFLUX_ORG_ID='0123456789abcdef'))
    assert (conn.org, conn.org_id) == ('edge', None)


def test_org_required_unless_told_otherwise():
    with pytest.raises(OptionError, match='one of org or org_id is required'):
        resolve_connection(params(), environ=env())
    assert resolve_connection(params(), environ=env(), org_required=False).org_id is None


@pytest.mark.parametrize('skip, expected', [('', True), ('true', False), ('1', False), ('YES', False), ('false', True), ('0', True)])
def test_skip_verify_environment(skip, expected):
    assert resolve_connection(params(org='o'), environ=env(INFLUX_SKIP_VERIFY=skip)).validate_certs is expected


def test_skip_verify_must_be_boolean():
    with pytest.raises(OptionError, match='INFLUX_SKIP_VERIFY must be a boolean'):
        resolve_connection(params(org='o'), environ=env(INFLUX_SKIP_VERIFY='maybe'))


def test_task_validate_certs_wins():
    assert resolve_connection(params(org='o', validate_certs=True), environ=env(INFLUX_SKIP_VERIFY='true')).validate_certs is True


@pytest.mark.parametrize('token', [None, '', '   '])
def test_token_is_required(token):
    with pytest.raises(OptionError, match='token is required'):
        resolve_connection(params(org='o', token=token), environ=env())


@pytest.mark.parametrize('timeout', [0, -1.5])
def test_timeout_must_be_positive(timeout):
    with pytest.raises(OptionError, match='timeout must be'):
        resolve_connection(params(org='o', timeout=timeout), environ=env())


def test_empty_task_token_falls_back_to_the_environment():
    assert resolve_connection(params(org='o', token=''), environ=env(INFLUX_TOKEN='from-env')).token == 'from-env'


def test_empty_task_host_falls_back_to_the_environment():
    assert resolve_connection(params(org='o', host=''), environ=env(INFLUX_HOST='http://env:8086')).host == 'http://env:8086'


@pytest.mark.parametrize('option', ['ca_path', 'client_cert'])
def test_tls_files_must_exist(option, tmp_path):
    missing = str(tmp_path / 'missing.pem')
    with pytest.raises(OptionError, match='^%s: the file .*missing.pem does not exist' % option):
        resolve_connection(params(org='o', **{option: missing}), environ=env())


def test_client_key_file_must_exist(tmp_path):
    cert = tmp_path / 'client.pem'
    cert.write_text('x')
    with pytest.raises(OptionError, match='^client_key: the file'):
        resolve_connection(params(org='o', client_cert=str(cert), client_key=str(tmp_path / 'nope.key')), environ=env())
