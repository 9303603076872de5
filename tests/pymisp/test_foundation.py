"""Foundation: connect handshake, version, describeTypes, roles, organisations, users, auth keys.

Expected values come from MISP 2.5 wire captures (shared/misp-golden 001-016, 136, 137) and the
wire spec (shared/spec/api.md sections 1, 2 and 14). Everything goes through PyMISP 2.5.34.4's
own methods, except where the raw HTTP answer itself is what is being checked.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
import requests
from pymisp import MISPOrganisation, MISPRole, MISPUser, PyMISP, PyMISPError

from conftest import (AUTH_FAILED, KEY_RE, NO_PERMISSION, TIMEOUT, Cleanup, assert_error,
                      assert_no_error, connect, make_org, make_user)

VERSION_RE = re.compile(r'\d+\.\d+\.\d+')
ID_RE = re.compile(r'[1-9][0-9]*')
SQL_DATETIME_RE = re.compile(r'\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}')
EPOCH_RE = re.compile(r'\d+')

# The six default roles of MISP 2.5 (capture 010-roles-index): name, the perm_* flags that are
# true (every other perm_* flag is false), default_role, permission, permission_description.
ALL_PERMS = ['add', 'modify', 'modify_org', 'publish', 'delegate', 'sync', 'admin', 'audit', 'auth',
             'site_admin', 'regexp_access', 'tagger', 'template', 'sharing_group', 'tag_editor',
             'sighting', 'object_template', 'publish_zmq', 'publish_kafka', 'decaying',
             'galaxy_editor', 'warninglist', 'view_feed_correlations', 'analyst_data', 'skip_otp']
DEFAULT_ROLES: dict[str, dict[str, Any]] = {
    '1': {'name': 'admin', 'default_role': False, 'permission': '3', 'permission_description': 'publish',
          'perms': {'add', 'admin', 'analyst_data', 'audit', 'auth', 'decaying', 'delegate', 'galaxy_editor',
                    'modify', 'modify_org', 'object_template', 'publish', 'publish_kafka', 'publish_zmq',
                    'regexp_access', 'sharing_group', 'sighting', 'site_admin', 'sync', 'tag_editor', 'tagger',
                    'template', 'view_feed_correlations', 'warninglist'}},
    '2': {'name': 'Org Admin', 'default_role': False, 'permission': '3', 'permission_description': 'publish',
          'perms': {'add', 'admin', 'analyst_data', 'audit', 'auth', 'decaying', 'delegate', 'galaxy_editor',
                    'modify', 'modify_org', 'publish', 'publish_kafka', 'publish_zmq', 'sharing_group',
                    'sighting', 'tag_editor', 'tagger', 'template'}},
    '3': {'name': 'User', 'default_role': True, 'permission': '2', 'permission_description': 'manage_org',
          'perms': {'add', 'analyst_data', 'audit', 'auth', 'decaying', 'galaxy_editor', 'modify', 'modify_org',
                    'sighting', 'tagger'}},
    '4': {'name': 'Publisher', 'default_role': False, 'permission': '3', 'permission_description': 'publish',
          'perms': {'add', 'analyst_data', 'audit', 'auth', 'decaying', 'delegate', 'galaxy_editor', 'modify',
                    'modify_org', 'publish', 'publish_kafka', 'publish_zmq', 'sighting', 'tagger'}},
    '5': {'name': 'Sync user', 'default_role': False, 'permission': '3', 'permission_description': 'publish',
          'perms': {'add', 'analyst_data', 'audit', 'auth', 'decaying', 'delegate', 'galaxy_editor', 'modify',
                    'modify_org', 'publish', 'publish_kafka', 'publish_zmq', 'sharing_group', 'sighting', 'sync',
                    'tag_editor', 'tagger'}},
    '6': {'name': 'Read Only', 'default_role': False, 'permission': '0', 'permission_description': 'read_only',
          'perms': {'audit', 'auth'}},
}


def is_uuid(value: Any) -> bool:
    try:
        return str(uuid.UUID(str(value))) == str(value).lower()
    except ValueError:
        return False


def find(entries: list[dict[str, Any]], model: str, **match: Any) -> dict[str, Any] | None:
    for entry in entries:
        item = entry.get(model, {})
        if all(str(item.get(k)) == str(v) for k, v in match.items()):
            return entry
    return None


# ---------------------------------------------------------------------------------------------
# Handshake, version, describeTypes
# ---------------------------------------------------------------------------------------------

def test_connect_as_site_admin(admin: PyMISP, admin_email: str, org_name: str) -> None:
    me = admin.get_user('me')
    assert_no_error(me)
    assert set(me) >= {'User', 'Role', 'UserSetting', 'Organisation'}
    assert me['User']['email'] == admin_email
    assert ID_RE.fullmatch(me['User']['id'])
    assert me['User']['password'] == '*****'
    assert me['User']['totp'] == '*****'
    assert me['Role']['id'] == '1' and me['Role']['name'] == 'admin'
    assert me['Role']['perm_site_admin'] is True and me['Role']['perm_admin'] is True
    assert me['UserSetting'] == []
    assert me['Organisation']['name'] == org_name
    assert me['Organisation']['id'] == me['User']['org_id']
    # What the constructor kept from the same call.
    user = admin.get_user('me', pythonify=True)
    assert isinstance(user, MISPUser) and user.email == admin_email
    assert user.password is None  # '*****' is dropped by MISPUser
    user, role, settings = admin.get_user('me', pythonify=True, expanded=True)
    assert isinstance(role, MISPRole) and role.perm_site_admin is True
    assert settings == []


def test_instance_version(admin: PyMISP) -> None:
    version = admin.misp_instance_version
    assert_no_error(version)
    assert VERSION_RE.fullmatch(version['version']), version
    assert VERSION_RE.fullmatch(version['pymisp_recommended_version']), version
    # The constructor parsed it into a tuple of three ints.
    assert admin._misp_version == tuple(int(v) for v in version['version'].split('.'))
    assert len(admin._misp_version) == 3
    # Site admin has perm_sync: the instance uuid is revealed.
    assert version['perm_sync'] is True
    assert is_uuid(version['uuid']), version
    for flag in ('perm_sighting', 'perm_galaxy_editor', 'perm_analyst_data'):
        assert version[flag] is True, (flag, version)
    assert isinstance(version['request_encoding'], list)
    assert admin.recommended_pymisp_version == {'version': version['pymisp_recommended_version']}


def test_pymisp_version_endpoint(admin: PyMISP) -> None:
    answer = admin.direct_call('servers/getPyMISPVersion.json')
    assert isinstance(answer, dict), answer
    assert list(answer) == ['version']
    assert VERSION_RE.fullmatch(answer['version'])
    assert answer['version'] == admin.misp_instance_version['pymisp_recommended_version']


def test_describe_types_match_bundled(admin: PyMISP) -> None:
    remote = admin.describe_types_remote
    local = admin.describe_types_local
    assert isinstance(remote, dict), remote
    assert sorted(remote) == sorted(local)
    for key in ('types', 'categories'):
        assert remote[key] == local[key], f'{key}: missing {set(local[key]) - set(remote[key])}, ' \
                                          f'extra {set(remote[key]) - set(local[key])}'
    assert remote['category_type_mappings'] == local['category_type_mappings']
    differing = {t for t in set(remote['sane_defaults']) | set(local['sane_defaults'])
                 if remote['sane_defaults'].get(t) != local['sane_defaults'].get(t)}
    assert not differing, {t: (remote['sane_defaults'].get(t), local['sane_defaults'].get(t))
                           for t in sorted(differing)[:10]}
    assert remote == local
    assert len(remote['types']) == 194 and len(remote['categories']) == 16
    # The connection kept the remote copy.
    assert admin.describe_types == local


# ---------------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------------

def test_default_roles(admin: PyMISP) -> None:
    roles = admin.roles()
    assert isinstance(roles, list), roles
    by_id = {}
    for entry in roles:
        assert list(entry) == ['Role'], entry
        by_id[entry['Role']['id']] = entry['Role']
    assert set(DEFAULT_ROLES) <= set(by_id), sorted(by_id)
    for role_id, expected in DEFAULT_ROLES.items():
        role = by_id[role_id]
        assert role['name'] == expected['name']
        got_perms = {}
        for perm in ALL_PERMS:
            value = role[f'perm_{perm}']
            assert isinstance(value, bool), (role['name'], perm, value)
            got_perms[perm] = value
        want_perms = {perm: perm in expected['perms'] for perm in ALL_PERMS}
        assert got_perms == want_perms, (role['name'], {p for p in ALL_PERMS if got_perms[p] != want_perms[p]})
        assert role['default_role'] is expected['default_role'], role['name']
        assert role['default'] is expected['default_role'], role['name']
        assert role['permission'] == expected['permission'], role['name']
        assert role['permission_description'] == expected['permission_description'], role['name']
        assert role['rate_limit_count'] == '0'
        assert role['enforce_rate_limit'] is False
        assert role['restricted_to_site_admin'] is False
        assert SQL_DATETIME_RE.fullmatch(role['created']), role['created']
    # The user role is the default and may not publish.
    assert by_id['3']['default_role'] is True and by_id['3']['perm_publish'] is False
    # pythonify gives MISPRole objects.
    py_roles = admin.roles(pythonify=True)
    assert all(isinstance(r, MISPRole) for r in py_roles)
    assert {r.id: r.name for r in py_roles if r.id in DEFAULT_ROLES} == \
        {k: v['name'] for k, v in DEFAULT_ROLES.items()}


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------

def test_add_organisation(admin: PyMISP, cleanup: Cleanup, unique: str) -> None:
    me = admin.get_user('me')
    new = MISPOrganisation()
    new.name = f'Cairn Add Org {unique}'
    new.description = 'Golden capture org B'
    new.nationality = 'Luxembourg'
    new.sector = 'Government'
    new.type = 'CSIRT'
    org = admin.add_organisation(new, pythonify=True)
    assert isinstance(org, MISPOrganisation), org
    cleanup.org(org.id)
    assert isinstance(org.id, str) and ID_RE.fullmatch(org.id), org.id
    assert org.name == new.name
    assert org.description == 'Golden capture org B'
    assert org.nationality == 'Luxembourg'
    assert org.sector == 'Government'
    assert org.type == 'CSIRT'
    assert is_uuid(org.uuid)
    assert org.local is True
    assert org.created_by == me['User']['id']
    assert SQL_DATETIME_RE.fullmatch(org.date_created), org.date_created
    assert SQL_DATETIME_RE.fullmatch(org.date_modified), org.date_modified

    # The raw answer is wrapped in {"Organisation": {...}} (capture 006).
    raw = admin.add_organisation(_org(f'Cairn Raw Org {unique}'))
    assert_no_error(raw)
    assert list(raw) == ['Organisation'], raw
    cleanup.org(raw['Organisation']['id'])
    body = raw['Organisation']
    assert body['name'] == f'Cairn Raw Org {unique}'
    assert body['local'] is True
    for key in ('contacts', 'restricted_to_domain', 'landingpage'):
        assert key in body and body[key] is None, (key, body.get(key))
    assert int(body['id']) > int(org.id)


def _org(name: str, **fields: str) -> MISPOrganisation:
    o = MISPOrganisation()
    o.name = name
    for k, v in fields.items():
        setattr(o, k, v)
    return o


def test_organisations_index_and_view(admin: PyMISP, org: MISPOrganisation, unique: str,
                                      admin_email: str, org_name: str) -> None:
    orgs = admin.organisations()
    assert isinstance(orgs, list), orgs
    assert all(list(e) == ['Organisation'] for e in orgs)
    mine = find(orgs, 'Organisation', id=org.id)
    assert mine is not None, f'{org.id} not in organisations()'
    o = mine['Organisation']
    assert o['name'] == org.name and o['uuid'] == org.uuid
    assert o['sector'] == 'Government' and o['nationality'] == 'Luxembourg'
    assert o['user_count'] == '0'
    assert o['created_by_email'] == admin_email
    host = find(orgs, 'Organisation', name=org_name)
    assert host is not None and int(host['Organisation']['user_count']) >= 1
    # MISP orders the index by name, case-insensitively (capture 009).
    names = [e['Organisation']['name'] for e in orgs]
    assert names == sorted(names, key=str.lower), names
    # pythonify + scope + search
    py_orgs = admin.organisations(pythonify=True)
    assert any(isinstance(x, MISPOrganisation) and x.name == org.name for x in py_orgs)
    assert find(admin.organisations(scope='all'), 'Organisation', id=org.id) is not None
    found = admin.organisations(search=unique)
    assert [e['Organisation']['id'] for e in found] == [org.id], found

    # view by id, by uuid (what PyMISP sends for a MISPOrganisation)
    view = admin.get_organisation(org.id)
    assert_no_error(view)
    assert list(view) == ['Organisation'] and view['Organisation']['name'] == org.name
    by_uuid = admin.get_organisation(org, pythonify=True)
    assert isinstance(by_uuid, MISPOrganisation) and by_uuid.id == org.id and by_uuid.name == org.name
    assert admin.organisation_exists(org) is True
    assert admin.organisation_exists(999999) is False
    missing = admin.get_organisation(999999)
    assert_error(missing, 404)


def test_update_organisation(admin: PyMISP, org: MISPOrganisation) -> None:
    # Whole object (as read back), one field changed.
    org.sector = 'Financial'
    answer = admin.update_organisation(org)
    assert_no_error(answer)
    assert list(answer) == ['Organisation'], answer
    assert answer['Organisation']['sector'] == 'Financial'
    assert answer['Organisation']['id'] == org.id
    # Partial update by id keeps the other fields.
    partial = MISPOrganisation()
    partial.description = 'changed by update_organisation'
    answer = admin.update_organisation(partial, organisation_id=org.id)
    assert_no_error(answer)
    view = admin.get_organisation(org.id)['Organisation']
    assert view['description'] == 'changed by update_organisation'
    assert view['sector'] == 'Financial'
    assert view['name'] == org.name
    assert view['nationality'] == 'Luxembourg'
    assert view['uuid'] == org.uuid


def test_duplicate_organisation_name(admin: PyMISP, org: MISPOrganisation) -> None:
    dup = _org(org.name, description='dup', nationality='', sector='', type='CSIRT')
    answer = admin.add_organisation(dup, pythonify=True)
    body = assert_error(answer, 403)
    assert body['saved'] is False
    assert body['name'] == 'Could not add Organisation'
    assert body['message'] == 'Could not add Organisation'
    assert body['url'] == '/admin/organisations/add'
    assert isinstance(body['errors'], dict) and isinstance(body['errors'].get('name'), list), body
    assert body['errors'] == {'name': ['An organisation with this name already exists.']}
    # Still exactly one organisation with that name.
    same = [e for e in admin.organisations() if e['Organisation']['name'] == org.name]
    assert len(same) == 1


# ---------------------------------------------------------------------------------------------
# Users and auth keys
# ---------------------------------------------------------------------------------------------

def test_add_user_returns_working_key(admin: PyMISP, url: str, cleanup: Cleanup,
                                      org: MISPOrganisation, unique: str) -> None:
    email = f'newuser-{unique}@cairn.test'
    new = MISPUser()
    new.email = email
    new.org_id = org.id
    new.role_id = 3
    user = admin.add_user(new, pythonify=True)
    assert isinstance(user, MISPUser), user
    cleanup.user(user.id)
    assert isinstance(user.id, str) and ID_RE.fullmatch(user.id), user.id
    assert user.email == email
    assert user.org_id == org.id and user.role_id == '3'
    assert user.password is None  # the masked '******' is dropped by MISPUser
    assert user.disabled is False
    assert isinstance(user.authkey, str) and KEY_RE.fullmatch(user.authkey), getattr(user, 'authkey', None)

    user_misp = connect(url, user.authkey)
    me = user_misp.get_user('me')
    assert_no_error(me)
    assert me['User']['email'] == email
    assert me['User']['id'] == user.id
    assert me['User']['password'] == '*****'
    assert 'authkey' not in me['User'] or me['User']['authkey'] != user.authkey
    assert me['Role']['id'] == '3' and me['Role']['name'] == 'User'
    assert me['Role']['perm_admin'] is False and me['Role']['perm_site_admin'] is False
    assert me['Organisation']['id'] == org.id and me['Organisation']['name'] == org.name
    assert not me['UserSetting']
    me_obj = user_misp.get_user('me', pythonify=True)
    assert isinstance(me_obj, MISPUser) and me_obj.email == email
    # No perm_sync: the instance uuid is hidden (spec 2.3).
    version = user_misp.misp_instance_version
    assert version['perm_sync'] is False and version['uuid'] == '-'
    assert VERSION_RE.fullmatch(version['version'])

    # The raw answer (capture 011): {"User": {...}} with the clear key and a masked password.
    other = MISPUser()
    other.email = f'raw-{unique}@cairn.test'
    other.org_id = org.id
    other.role_id = 4
    raw = admin.add_user(other)
    assert_no_error(raw)
    assert 'User' in raw, raw
    cleanup.user(raw['User']['id'])
    u = raw['User']
    assert u['email'] == other.email and u['role_id'] == '4' and u['org_id'] == org.id
    assert int(u['id']) > int(user.id)
    assert set(u['password']) == {'*'}, u['password']
    assert isinstance(u['change_pw'], bool) and isinstance(u['disabled'], bool)
    assert EPOCH_RE.fullmatch(u['date_created'] or ''), u['date_created']
    assert KEY_RE.fullmatch(u['authkey']) and u['authkey'] != user.authkey
    assert connect(url, u['authkey']).get_user('me')['Role']['name'] == 'Publisher'


def test_x_misp_auth_header(url: str, admin_key: str, admin_email: str) -> None:
    # PyMISP can send the key in X-MISP-AUTH instead of Authorization (spec 1.2).
    misp = PyMISP(url, admin_key, ssl=False, timeout=TIMEOUT, http_auth_header_name='X-MISP-AUTH')
    assert misp.get_user('me')['User']['email'] == admin_email


def test_users_index(admin: PyMISP, org: MISPOrganisation, user: MISPUser, admin_email: str,
                     cleanup: Cleanup, unique: str) -> None:
    users = admin.users()
    assert isinstance(users, list), users
    mine = find(users, 'User', email=user.email)
    assert mine is not None, f'{user.email} not in users()'
    assert set(mine) >= {'User', 'Role', 'Organisation'}
    assert mine['User']['id'] == user.id and mine['User']['org_id'] == org.id
    assert mine['Role']['id'] == '3' and mine['Role']['name'] == 'User'
    assert mine['Role']['perm_auth'] is True and mine['Role']['perm_site_admin'] is False
    assert mine['Organisation'] == {'id': org.id, 'name': org.name}
    assert 'password' not in mine['User'] and 'totp' not in mine['User']
    assert find(users, 'User', email=admin_email) is not None
    # No clear-text key anywhere in the index.
    assert user.authkey not in json.dumps(users)

    py_users = admin.users(pythonify=True)
    assert any(isinstance(x, MISPUser) and x.email == user.email for x in py_users)

    # Filters: value: (search) and searchorg: (organisation).
    other = make_user(admin, cleanup, f'other-{unique}@cairn.test', org.id, role_id=4)
    found = admin.users(search=user.email)
    assert [e['User']['email'] for e in found] == [user.email], found
    in_org = admin.users(organisation=org.id)
    assert sorted(e['User']['email'] for e in in_org) == sorted([user.email, other.email]), in_org


def test_get_new_authkey(admin: PyMISP, url: str, user: MISPUser, user_misp: PyMISP) -> None:
    key = admin.get_new_authkey(user)
    assert isinstance(key, str) and KEY_RE.fullmatch(key), key
    assert key != user.authkey
    via_new = connect(url, key)
    assert via_new.get_user('me')['User']['email'] == user.email
    # The first key keeps working.
    assert connect(url, user.authkey).get_user('me')['User']['email'] == user.email

    # A user may create a key for itself ('me').
    own = user_misp.get_new_authkey()
    assert KEY_RE.fullmatch(own) and own not in (key, user.authkey)
    assert connect(url, own).get_user('me')['User']['id'] == user.id

    # The raw AuthKey answer (captures 014, 015).
    raw = admin.direct_call(f'auth_keys/add/{user.id}', {'comment': 'pymisp suite key'})
    assert isinstance(raw, dict) and list(raw) == ['AuthKey'], raw
    ak = raw['AuthKey']
    assert KEY_RE.fullmatch(ak['authkey_raw'])
    assert ak['authkey_start'] == ak['authkey_raw'][:4] and ak['authkey_end'] == ak['authkey_raw'][-4:]
    assert ak['user_id'] == user.id
    assert ak['comment'] == 'pymisp suite key'
    assert ak['expiration'] == '0'
    assert ak['read_only'] is False
    assert ak['unique_ips'] == []
    assert ID_RE.fullmatch(ak['id']) and is_uuid(ak['uuid'])
    assert EPOCH_RE.fullmatch(ak['created'])
    assert connect(url, ak['authkey_raw']).get_user('me')['User']['email'] == user.email


def test_non_admin_is_refused(admin: PyMISP, user_misp: PyMISP, unique: str) -> None:
    body = assert_error(user_misp.users(), 403)
    assert body == {'name': NO_PERMISSION, 'message': NO_PERMISSION, 'url': '/admin/users/index'}

    name = f'Cairn Forbidden Org {unique}'
    body = assert_error(user_misp.add_organisation(_org(name)), 403)
    assert body == {'name': NO_PERMISSION, 'message': NO_PERMISSION, 'url': '/admin/organisations/add'}
    assert not [e for e in admin.organisations(scope='all') if e['Organisation']['name'] == name]

    new = MISPUser()
    new.email = f'forbidden-{unique}@cairn.test'
    body = assert_error(user_misp.add_user(new), 403)
    assert body['message'] == NO_PERMISSION
    assert find(admin.users(), 'User', email=new.email) is None


def test_wrong_key_is_refused(url: str) -> None:
    with pytest.raises(PyMISPError):
        PyMISP(url, 'a' * 40, ssl=False, timeout=TIMEOUT)

    expected = {'name': AUTH_FAILED, 'message': AUTH_FAILED, 'url': '/servers/getVersion'}
    r = requests.get(f'{url}/servers/getVersion', timeout=TIMEOUT,
                     headers={'Authorization': 'a' * 40, 'Accept': 'application/json'})
    assert r.status_code == 403, r.text
    assert r.headers['Content-Type'].startswith('application/json'), r.headers
    assert r.json() == expected

    # No key at all (capture 005) and a key of the wrong length: same answer.
    r = requests.get(f'{url}/servers/getVersion', timeout=TIMEOUT, headers={'Accept': 'application/json'})
    assert r.status_code == 403 and r.json() == expected
    r = requests.get(f'{url}/servers/getVersion', timeout=TIMEOUT,
                     headers={'Authorization': 'short', 'Accept': 'application/json'})
    assert r.status_code == 403 and r.json() == expected
    r = requests.get(f'{url}/users/view/me', timeout=TIMEOUT,
                     headers={'Authorization': 'b' * 40, 'Accept': 'application/json'})
    assert r.status_code == 403
    assert r.json() == {'name': AUTH_FAILED, 'message': AUTH_FAILED, 'url': '/users/view/me'}


def test_update_user(admin: PyMISP, url: str, org: MISPOrganisation, user: MISPUser, unique: str) -> None:
    # The PyMISP way: change the object read back, send it whole.
    new_email = f'renamed-{unique}@cairn.test'
    user.email = new_email
    updated = admin.update_user(user, pythonify=True)
    assert isinstance(updated, MISPUser), updated
    assert updated.email == new_email
    assert updated.id == user.id
    view = admin.get_user(user.id)
    assert_no_error(view)
    assert view['User']['email'] == new_email
    assert view['User']['org_id'] == org.id and view['User']['role_id'] == '3'

    # A partial dict: switch the role to Publisher; the user's own key sees it at once.
    answer = admin.update_user({'role_id': 4}, user.id)
    assert_no_error(answer)
    assert answer['User']['role_id'] == '4'
    me = connect(url, user.authkey).get_user('me')
    assert me['User']['email'] == new_email
    assert me['Role']['id'] == '4' and me['Role']['name'] == 'Publisher'
    assert me['Role']['perm_publish'] is True


def test_delete_user_and_organisation(admin: PyMISP, url: str, cleanup: Cleanup, unique: str) -> None:
    org = make_org(admin, cleanup, f'Cairn Doomed Org {unique}', sector='Telecom')
    user = make_user(admin, cleanup, f'doomed-{unique}@cairn.test', org.id)
    assert connect(url, user.authkey).get_user('me')['User']['email'] == user.email

    # An organisation that still has users is not deleted.
    refused = admin.delete_organisation(org)
    body = assert_error(refused, 403)
    assert body.get('saved') is False, body
    assert admin.organisation_exists(org) is True

    answer = admin.delete_user(user)
    assert_no_error(answer)
    assert answer['saved'] is True and answer['success'] is True, answer
    assert answer['message'] == 'User deleted.', answer
    assert_error(admin.get_user(user.id), 404)
    assert find(admin.users(), 'User', email=user.email) is None
    with pytest.raises(PyMISPError):
        connect(url, user.authkey)
    r = requests.get(f'{url}/servers/getVersion', timeout=TIMEOUT,
                     headers={'Authorization': user.authkey, 'Accept': 'application/json'})
    assert r.status_code == 403 and r.json()['message'] == AUTH_FAILED

    answer = admin.delete_organisation(org)
    assert_no_error(answer)
    assert answer['saved'] is True and answer['success'] is True, answer
    assert answer['message'] == 'Organisation deleted', answer
    assert_error(admin.get_organisation(org.id), 404)
    assert admin.organisation_exists(org) is False
    assert find(admin.organisations(scope='all'), 'Organisation', id=org.id) is None
