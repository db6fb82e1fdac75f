# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How the connection options are checked and filled from the environment."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from ansible_collections.influxops.influxdb2.plugins.doc_fragments._connection import ModuleDocFragment
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import (
    ENVIRONMENT,
    NUMBER_RANGES,
    check_tls_files,
    common_argument_spec,
    resolve_connection,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import check_http_url, check_id, check_numbers, check_token


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


@pytest.mark.parametrize('option, value', [
    ('timeout', 3600), ('timeout', 0.001), ('retries', 0), ('retries', 20), ('retry_backoff', 0), ('retry_backoff', 60.0),
    ('max_queue_size_bytes', 33554430), ('max_queue_size_bytes', 2 ** 63 - 1), ('max_age_seconds', 0), ('max_age_seconds', 60),
    ('max_age_seconds', 5184000), ('backlog_threshold', 1.0), ('backlog_threshold', 1e-9),
])
def test_the_ends_of_each_range_are_taken(option, value):
    spec = {option: dict(type='int' if isinstance(value, int) else 'float')}
    check_numbers({option: value}, spec, NUMBER_RANGES)


NESTED = dict(items=dict(type='list', elements='dict', options=dict(
    limits=dict(type='dict', options=dict(size=dict(type='int'), share=dict(type='float'))),
    sizes=dict(type='list', elements='int'))))


@pytest.mark.parametrize('value, message', [
    (dict(items=[dict(), dict(limits=dict(size=2 ** 63))]),
     'items[1].limits.size must be an integer from -9223372036854775808 to 9223372036854775807 (a 64-bit integer'),
    (dict(items=[dict(limits=dict(share=float('nan')))]), 'items[0].limits.share must be a finite number, got nan'),
    (dict(items=[dict(sizes=[1, -2 ** 63 - 1])]), 'items[0].sizes[1] must be an integer from'),
    (dict(items=[dict(limits=dict(size=True))]), 'items[0].limits.size must be an integer from'),
])
def test_every_number_is_checked_where_it_is_and_named_by_its_place(value, message):
    with pytest.raises(OptionError) as caught:
        check_numbers(value, NESTED, {})
    assert str(caught.value).startswith(message)


def test_unset_numbers_and_other_types_are_not_checked():
    check_numbers(dict(items=[dict(limits=None, sizes=None)], name='inf'), dict(NESTED, name=dict(type='str')), {})


def test_empty_task_token_falls_back_to_the_environment():
    assert resolve_connection(params(org='o', token=''), environ=env(INFLUX_TOKEN='from-env')).token == 'from-env'


def test_empty_task_host_falls_back_to_the_environment():
    assert resolve_connection(params(org='o', host=''), environ=env(INFLUX_HOST='http://env:8086')).host == 'http://env:8086'


# The environment variables: one table, read by resolve_connection alone.

def test_the_argument_spec_reads_no_environment():
    assert [option for option, entry in common_argument_spec().argument_spec.items() if 'fallback' in entry] == []


def test_the_documentation_names_the_environment_variable_of_each_option():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    for option, source in ENVIRONMENT.items():
        assert 'E(%s)' % source.variable in ' '.join(options[option]['description']), option


@pytest.mark.parametrize('blank', ['', '  ', '\n'])
def test_an_empty_or_blank_environment_variable_is_unset(blank):
    environ = env(**dict((source.variable, blank) for source in ENVIRONMENT.values()))
    conn = resolve_connection(params(host=None, token='t', trace_span=None), environ=environ, org_required=False)
    assert (conn.host, conn.org, conn.org_id, conn.validate_certs, conn.trace_span) == ('http://localhost:8086', None, None, True, None)


def test_a_blank_org_id_variable_gives_way_to_the_org_variable():
    conn = resolve_connection(params(), environ=env(INFLUX_ORG_ID=' ', INFLUX_ORG='edge'))
    assert (conn.org, conn.org_id) == ('edge', None)


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


# Secrets, whatever their bytes: surrounding white space goes; anything else that cannot be a
# token fails naming the option, never showing the value.

SECRET = 'Zx9-secret_token=='


@pytest.mark.parametrize('raw', [SECRET + '\n', SECRET + '\r\n', '  ' + SECRET + '\t', '\n' + SECRET])
def test_surrounding_white_space_of_a_token_goes(raw):
    assert check_token(raw, 'token') == SECRET
    assert resolve_connection(params(token=raw, org_id='0123456789abcdef'), environ=env()).token == SECRET


@pytest.mark.parametrize('raw, kind', [
    ('abc def', 'white space'),
    ('abc\ndef', 'white space'),
    ('abc\x00def', 'a control character'),
    ('abc\x1bdef', 'a control character'),
    ('\u201cabcdef\u201d', 'a character outside ASCII'),
    ('abc\u00e9def', 'a character outside ASCII'),
    ('abc\u2028def', 'white space'),
])
def test_a_token_that_cannot_be_sent_is_refused_unseen(raw, kind):
    with pytest.raises(OptionError) as info:
        check_token(raw, 'remote_api_token')
    message = str(info.value)
    assert message.startswith('remote_api_token holds %s inside it' % kind)
    assert 'the value is not shown' in message
    for part in ('abc', 'def', repr(raw)[1:-1]):
        assert part not in message


def test_a_bad_token_names_where_it_came_from():
    with pytest.raises(OptionError, match=r'^token \(from INFLUX_TOKEN\) holds white space'):
        resolve_connection(params(token=None, org_id='0123456789abcdef'), environ=env(INFLUX_TOKEN='abc def\r\n'))


def test_a_token_from_the_environment_loses_its_new_line():
    conn = resolve_connection(params(token=None, org_id='0123456789abcdef'), environ=env(INFLUX_TOKEN=SECRET + '\r\n'))
    assert conn.token == SECRET


def test_a_profile_token_loses_its_new_line_and_a_bad_one_names_the_profile(tmp_path):
    configs = tmp_path / 'configs'
    configs.write_text('[default]\n  url = "http://localhost:8086"\n  token = "%s\\n"\n  org = "edge"\n  active = true\n' % SECRET)
    conn = resolve_connection(params(host=None, token=None), environ=dict(INFLUX_CONFIGS_PATH=str(configs)))
    assert conn.token == SECRET
    configs.write_text('[default]\n  token = "abc def"\n  org = "edge"\n  active = true\n')
    with pytest.raises(OptionError) as info:
        resolve_connection(params(host=None, token=None), environ=dict(INFLUX_CONFIGS_PATH=str(configs)))
    assert str(info.value).startswith('the token of the active profile in %s holds white space' % configs)
    assert 'abc' not in str(info.value)


# host is a base URL: scheme, host, optional port and path prefix.

@pytest.mark.parametrize('value', [
    'http://admin:PASSWORD@influx.example.com:8086',
    'http://admin:PASS/WORD@influx.example.com:8086',
    'http://admin:1234/PASSWORD@influx.example.com',
    'http://admin:PASS?WORD@influx.example.com',
    'https://PASSWORD@influx.example.com/',
])
def test_user_info_in_a_url_is_refused_and_never_shown(value):
    for option, base in (('host', True), ('remote_url', False)):
        with pytest.raises(OptionError) as info:
            check_http_url(value, option, base=base)
        message = str(info.value)
        assert message.startswith('%s must be an absolute http:// or https:// URL with a host, the value is not shown' % option)
        assert 'user info (user:password@) is not supported' in message
        assert 'PASS' not in message and 'WORD' not in message and 'admin' not in message


@pytest.mark.parametrize('value', ['http://h:8086/?org=x', 'http://h:8086#top', 'http://h:8086/prefix?', 'http://h/#'])
def test_a_host_with_a_query_or_a_fragment_is_refused(value):
    with pytest.raises(OptionError, match='has a query string or a fragment'):
        check_http_url(value, 'host', base=True)


def test_a_host_may_have_a_path_prefix():
    assert check_http_url('https://proxy.example.com/influxdb/', 'host', base=True) == 'https://proxy.example.com/influxdb/'


def test_a_host_with_user_info_from_the_environment_is_refused_unseen():
    with pytest.raises(OptionError) as info:
        resolve_connection(params(host=None, org_id='0123456789abcdef'), environ=env(INFLUX_HOST='http://u:SeCrEt@h:8086'))
    assert 'SeCrEt' not in str(info.value) and str(info.value).startswith('host must be')


# org and org_id: both set is refused with the way to cancel a module_defaults value.

def test_org_and_org_id_together_say_how_to_cancel_one():
    with pytest.raises(OptionError) as info:
        resolve_connection(params(org='edge', org_id='0123456789abcdef'), environ=env())
    assert str(info.value).startswith('parameters are mutually exclusive: org|org_id.')
    assert 'org_id: "{{ omit }}"' in str(info.value)


# TLS files are loaded as the request would load them, before any request.

@pytest.fixture(scope='module')
def pem(tmp_path_factory):
    directory = tmp_path_factory.mktemp('pem')

    def openssl(*args):
        subprocess.run(('openssl',) + args, cwd=str(directory), check=True, capture_output=True)
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=a')
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-key.pem', '-out', 'other.pem', '-days', '2',
            '-subj', '/CN=b')
    openssl('genrsa', '-aes256', '-passout', 'pass:pw', '-out', 'encrypted-key.pem', '2048')
    openssl('req', '-x509', '-key', 'encrypted-key.pem', '-passin', 'pass:pw', '-out', 'encrypted-cert.pem', '-days', '2', '-subj', '/CN=c')
    (directory / 'combined.pem').write_bytes((directory / 'cert.pem').read_bytes() + (directory / 'key.pem').read_bytes())
    (directory / 'text.pem').write_text('not a certificate\n')
    return lambda name: str(directory / name)


def test_good_tls_files_pass(pem):
    check_tls_files(pem('cert.pem'), pem('cert.pem'), pem('key.pem'))
    check_tls_files(None, pem('combined.pem'), None)


@pytest.mark.parametrize('files, expected', [
    (('text.pem', None, None), r'^ca_path: the file \S*text.pem holds no PEM CA certificate'),
    (('key.pem', None, None), r'^ca_path: the file \S*key.pem holds no PEM CA certificate'),
    ((None, 'key.pem', None), r'^client_cert: the file \S*key.pem holds no PEM certificate'),
    ((None, 'cert.pem', None), r'^client_cert: the file \S*cert.pem: it holds no private key .*set client_key'),
    ((None, 'cert.pem', 'other-key.pem'), r'^client_key: the file \S*other-key.pem: it is not a PEM private key that matches'),
    ((None, 'cert.pem', 'text.pem'), r'^client_key: the file \S*text.pem: it is not a PEM private key'),
    ((None, 'encrypted-cert.pem', 'encrypted-key.pem'), r'^client_key: the file \S*encrypted-key.pem: the private key is encrypted'),
])
def test_unusable_tls_files_name_the_option_and_the_file(pem, files, expected):
    with pytest.raises(OptionError, match=expected):
        check_tls_files(*(pem(name) if name else None for name in files))


def test_a_directory_is_not_a_tls_file(tmp_path):
    with pytest.raises(OptionError, match='^ca_path: %s is not a file' % tmp_path):
        check_tls_files(str(tmp_path), None, None)
