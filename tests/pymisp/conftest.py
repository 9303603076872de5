"""Fixtures for the real-client (PyMISP) suite.

The server is started by tests/pymisp/run.sh, which passes its address and the site-admin key
in CAIRN_PYMISP_URL / CAIRN_PYMISP_KEY (plus CAIRN_PYMISP_ADMIN_EMAIL and CAIRN_PYMISP_ORG_NAME).
Every test creates the organisations and users it needs under unique names and removes them
afterwards, so the suite also passes against a server that already holds data.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from pymisp import MISPOrganisation, MISPUser, PyMISP

AUTH_FAILED = ('Authentication failed. Please make sure you pass the API key of an API enabled '
               'user along in the Authorization header.')
NO_PERMISSION = 'You do not have permission to use this functionality.'
KEY_RE = re.compile(r'[A-Za-z0-9]{40}')
TIMEOUT = 60


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f'{name} is not set: run this suite with tests/pymisp/run.sh', returncode=2)
    return value


@pytest.fixture(scope='session')
def url() -> str:
    return _env('CAIRN_PYMISP_URL').rstrip('/')


@pytest.fixture(scope='session')
def admin_key() -> str:
    return _env('CAIRN_PYMISP_KEY')


@pytest.fixture(scope='session')
def admin_email() -> str:
    return os.environ.get('CAIRN_PYMISP_ADMIN_EMAIL', 'admin@admin.test')


@pytest.fixture(scope='session')
def org_name() -> str:
    return os.environ.get('CAIRN_PYMISP_ORG_NAME', 'ORGNAME')


def connect(url: str, key: str) -> PyMISP:
    """What every PyMISP user does first; raises PyMISPError when the server refuses."""
    return PyMISP(url, key, ssl=False, timeout=TIMEOUT)


@pytest.fixture(scope='session')
def admin(url: str, admin_key: str) -> PyMISP:
    return connect(url, admin_key)


@pytest.fixture
def unique() -> str:
    """A short random tag to keep names unique across tests and runs."""
    return secrets.token_hex(4)


def assert_error(response: Any, status: int) -> dict[str, Any]:
    """PyMISP turns a 4xx answer into {'errors': (status, parsed_json_body)}; returns the body."""
    assert isinstance(response, dict) and 'errors' in response, f'expected an HTTP {status} error, got {response!r}'
    errors = response['errors']
    assert isinstance(errors, tuple) and len(errors) == 2, f'not a PyMISP HTTP error: {response!r}'
    assert errors[0] == status, f'expected HTTP {status}, got {errors[0]}: {errors[1]!r}'
    assert isinstance(errors[1], dict), f'error body is not a JSON object: {errors[1]!r}'
    return errors[1]


def assert_no_error(response: Any) -> None:
    assert not (isinstance(response, dict) and 'errors' in response), f'unexpected error: {response!r}'


class Cleanup:
    """Deletes what a test created, users first, ignoring failures (best effort)."""

    def __init__(self, admin: PyMISP) -> None:
        self.admin = admin
        self.user_ids: list[str] = []
        self.org_ids: list[str] = []

    def user(self, user_id: Any) -> None:
        self.user_ids.append(str(user_id))

    def org(self, org_id: Any) -> None:
        self.org_ids.append(str(org_id))

    def run(self) -> None:
        for user_id in reversed(self.user_ids):
            try:
                self.admin.delete_user(user_id)
            except Exception:
                pass
        for org_id in reversed(self.org_ids):
            try:
                users = self.admin.users(organisation=org_id)
                if isinstance(users, list):
                    for entry in users:
                        if str(entry.get('User', {}).get('org_id')) == org_id:
                            self.admin.delete_user(entry['User']['id'])
                self.admin.delete_organisation(org_id)
            except Exception:
                pass


@pytest.fixture
def cleanup(admin: PyMISP) -> Iterator[Cleanup]:
    c = Cleanup(admin)
    yield c
    c.run()


def make_org(admin: PyMISP, cleanup: Cleanup, name: str, **fields: str) -> MISPOrganisation:
    org = MISPOrganisation()
    org.name = name
    for k, v in fields.items():
        setattr(org, k, v)
    created = admin.add_organisation(org, pythonify=True)
    assert isinstance(created, MISPOrganisation), f'add_organisation failed: {created!r}'
    cleanup.org(created.id)
    return created


def make_user(admin: PyMISP, cleanup: Cleanup, email: str, org_id: Any, role_id: int = 3) -> MISPUser:
    user = MISPUser()
    user.email = email
    user.org_id = org_id
    user.role_id = role_id
    created = admin.add_user(user, pythonify=True)
    assert isinstance(created, MISPUser), f'add_user failed: {created!r}'
    cleanup.user(created.id)
    return created


@pytest.fixture
def org(admin: PyMISP, cleanup: Cleanup, unique: str) -> MISPOrganisation:
    return make_org(admin, cleanup, f'Cairn Test Org {unique}', description='PyMISP suite organisation',
                    nationality='Luxembourg', sector='Government', type='CSIRT')


@pytest.fixture
def user(admin: PyMISP, cleanup: Cleanup, org: MISPOrganisation, unique: str) -> MISPUser:
    return make_user(admin, cleanup, f'user-{unique}@cairn.test', org.id, role_id=3)


@pytest.fixture
def user_misp(url: str, user: MISPUser) -> PyMISP:
    return connect(url, user.authkey)
