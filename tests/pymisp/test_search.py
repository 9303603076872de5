"""restSearch through PyMISP's own `search()`: values, tags, types, the csv and text formats, the
STIX 2 bundle checked by the OASIS validator, and the seed's curl example as raw HTTP.

Expected shapes come from the MISP 2.5.1 captures 078-101 (shared/misp-golden) and spec/api.md
section 6. Each test creates its own events with unique values, so the suite also passes against
a server that already holds data.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Iterator

import pytest
import requests
from pymisp import MISPAttribute, MISPEvent, PyMISP

from conftest import assert_no_error


@pytest.fixture
def events(admin: PyMISP) -> Iterator[tuple[MISPEvent, MISPEvent, str]]:
    """Two published events sharing one unique IP; the first tagged, the second not."""
    token = secrets.token_hex(4)
    ip = f'198.18.{int(token[:2], 16)}.{int(token[2:4], 16)}'
    tag = f'cairn-search:{token}'
    created = []
    for n in range(2):
        event = MISPEvent()
        event.info = f'search {token} #{n}'
        event.distribution = 1
        event.add_attribute('ip-dst', ip, to_ids=True, comment='shared C2')
        event.add_attribute('domain', f'n{n}.{token}.example', to_ids=True)
        event.add_attribute('md5', secrets.token_hex(16), to_ids=False)
        if n == 0:
            event.add_tag(tag)
        stored = admin.add_event(event, pythonify=True)
        assert isinstance(stored, MISPEvent), stored
        assert_no_error(admin.publish(stored))
        created.append(stored)
    yield created[0], created[1], token
    for e in created:
        admin.delete_event(e.id)


def test_attributes_by_value_carry_their_event(admin: PyMISP, events: tuple[MISPEvent, MISPEvent, str]) -> None:
    first, second, _ = events
    ip = first.attributes[0].value
    found = admin.search(controller='attributes', value=ip, pythonify=True)
    assert [a.value for a in found] == [ip, ip]
    assert all(isinstance(a, MISPAttribute) for a in found)
    assert {str(a.event_id) for a in found} == {str(first.id), str(second.id)}
    raw = admin.search(controller='attributes', value=ip)
    assert raw['Attribute'][0]['Event']['info'] == first.info


def test_events_by_value_tags_and_type(admin: PyMISP, events: tuple[MISPEvent, MISPEvent, str]) -> None:
    first, second, token = events
    ip = first.attributes[0].value
    found = admin.search(controller='events', value=ip, pythonify=True)
    assert [e.id for e in found] == [first.id, second.id]
    assert len(found[0].attributes) == 3, 'events come back whole'
    tagged = admin.search(controller='events', tags=[f'cairn-search:{token}'], pythonify=True)
    assert [e.id for e in tagged] == [first.id]
    query = admin.build_complex_query(or_parameters=[f'cairn-search:{token}'])
    assert [e.id for e in admin.search(controller='events', tags=query, eventinfo=f'%{token}%', pythonify=True)] == [first.id]
    not_tagged = admin.build_complex_query(not_parameters=[f'cairn-search:{token}'])
    assert [e.id for e in admin.search(controller='events', tags=not_tagged, eventinfo=f'%{token}%', pythonify=True)] == [second.id]
    domains = admin.search(controller='attributes', type_attribute='domain', value=f'%.{token}.example', pythonify=True)
    assert sorted(a.value for a in domains) == [f'n0.{token}.example', f'n1.{token}.example']
    limited = admin.search(controller='events', eventinfo=f'%{token}%', limit=1, page=2, pythonify=True)
    assert [e.id for e in limited] == [second.id]


def test_csv_and_text_exports(admin: PyMISP, events: tuple[MISPEvent, MISPEvent, str]) -> None:
    first, _, token = events
    text = admin.search(controller='attributes', value=f'%.{token}.example', return_format='text')
    assert text == f'n0.{token}.example\nn1.{token}.example\n'
    # text is restrictive: to_ids only, so the md5s are absent.
    body = admin.search(controller='events', eventid=first.id, return_format='text')
    assert first.attributes[2].value not in body
    assert first.attributes[0].value in body
    raw = admin.search(controller='attributes', eventinfo=f'%{token}%', return_format='csv')
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert list(rows[0].keys()) == ['uuid', 'event_id', 'category', 'type', 'value', 'comment', 'to_ids', 'date',
                                    'object_relation', 'attribute_tag', 'object_uuid', 'object_name',
                                    'object_meta_category']
    assert len(rows) == 6
    assert {r['to_ids'] for r in rows} == {'0', '1'}
    assert rows[0]['comment'] == 'shared C2'
    chosen = admin.search(controller='attributes', eventinfo=f'%{token}%', return_format='csv',
                          requested_attributes=['value', 'type'], headerless=True)
    parsed = list(csv.reader(io.StringIO(chosen)))
    assert [r for r in parsed if r][0] == [first.attributes[0].value, 'ip-dst']


def test_stix2_bundle_is_valid(admin: PyMISP, events: tuple[MISPEvent, MISPEvent, str]) -> None:
    import stix2validator as validator
    first, _, _ = events
    bundle = admin.search(controller='events', eventid=first.id, return_format='stix2')
    assert bundle['type'] == 'bundle'
    results = validator.validate_string(json.dumps(bundle), validator.ValidationOptions(version='2.1'))
    assert results.is_valid, [str(e) for r in [results] for e in getattr(r, 'errors', [])]
    kinds = {o['type'] for o in bundle['objects']}
    assert {'report', 'indicator', 'identity'} <= kinds


def test_seed_curl_example(url: str, admin_key: str, events: tuple[MISPEvent, MISPEvent, str]) -> None:
    first, _, _ = events
    ip = first.attributes[0].value
    r = requests.post(f'{url}/attributes/restSearch', json={'value': ip}, timeout=30,
                      headers={'Authorization': admin_key, 'Accept': 'application/json'})
    assert r.status_code == 200
    attrs = r.json()['response']['Attribute']
    assert [a['value'] for a in attrs] == [ip, ip]
    assert attrs[0]['Event']['info'] == first.info
    assert r.headers['X-Result-Count'] == '2'
