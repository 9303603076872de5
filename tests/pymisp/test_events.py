"""Events: the analyst flow through PyMISP, and what another organisation may see.

Expected values come from the MISP 2.5.1 wire captures (shared/misp-golden 017-070 and 102-115)
and the wire spec (shared/spec/api.md sections 3-5, 7-9 and 15). Everything goes through
PyMISP 2.5.34.4's own methods; pythonify=True is used wherever PyMISP supports it, and a raw
answer is only read when its JSON shape is what is being checked.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pymisp import (MISPAttribute, MISPEvent, MISPEventReport, MISPObject, MISPObjectReference,
                    MISPOrganisation, MISPSharingGroup, MISPTag, PyMISP)

from conftest import Cleanup, assert_error, assert_no_error

NOT_AUTHORISED = 'You are not authorised to do that.'
SHA256_A = '52d6e3de4fa0dcc29946695f93940c3e7f26f30e1e39f4b1a49ad98839112786'
SHA256_B = '71810cd9fa7368791c28f8fce174c9d040aba4ebf6e88a46de342c86f6409c48'

# (type, value sent, value MISP stores, category, to_ids) -- category None = the type's default
# (describeTypes sane_defaults), to_ids None = the type's default. MISP lower-cases hashes and
# domains and upper-cases vulnerability ids before saving (spec 3.3).
ATTRIBUTES: list[tuple[str, str, str, str | None, bool | None]] = [
    ('ip-dst', '198.51.100.7', '198.51.100.7', 'Network activity', True),
    ('ip-src', '203.0.113.45', '203.0.113.45', None, None),
    ('domain', 'Update.Cairn-Malware.test', 'update.cairn-malware.test', 'Network activity', True),
    ('hostname', 'mail.cairn-malware.test', 'mail.cairn-malware.test', None, None),
    ('url', 'http://update.cairn-malware.test/gate.php', 'http://update.cairn-malware.test/gate.php',
     'Network activity', True),
    ('md5', 'c773fdef3889bdadbe809f1e8aaeea46', 'c773fdef3889bdadbe809f1e8aaeea46', 'Payload delivery', True),
    ('sha1', '3820BB019C542630330326A79D5CFBAB3E3481FA', '3820bb019c542630330326a79d5cfbab3e3481fa', None, None),
    ('sha256', SHA256_B, SHA256_B, 'Payload delivery', True),
    ('email-src', 'phisher@cairn-malware.test', 'phisher@cairn-malware.test', 'Payload delivery', True),
    ('ip-dst|port', '198.51.100.8|8443', '198.51.100.8|8443', 'Network activity', True),
    ('filename|sha256', f'invoice.exe|{SHA256_A}', f'invoice.exe|{SHA256_A}', 'Payload delivery', True),
    ('domain|ip', 'c2.cairn-malware.test|198.51.100.9', 'c2.cairn-malware.test|198.51.100.9', None, None),
    ('vulnerability', 'cve-2021-44228', 'CVE-2021-44228', None, None),
    ('user-agent', 'Mozilla/5.0 (CairnBot 1.0)', 'Mozilla/5.0 (CairnBot 1.0)', None, False),
    ('text', 'Campaign observed by the Cairn suite', 'Campaign observed by the Cairn suite', 'Other', False),
]


# ---------------------------------------------------------------------------------------------
# Helpers and fixtures
# ---------------------------------------------------------------------------------------------

class Trash:
    """Deletes the events, sharing groups and tags a test created (best effort), before the
    `cleanup` fixture removes users and organisations."""

    def __init__(self, admin: PyMISP) -> None:
        self.admin = admin
        self.events: list[str] = []
        self.sharing_groups: list[str] = []
        self.tags: list[str] = []

    def run(self) -> None:
        for event_id in reversed(self.events):
            try:
                self.admin.delete_event(event_id)
            except Exception:
                pass
        for sg_id in reversed(self.sharing_groups):
            try:
                self.admin.delete_sharing_group(sg_id)
            except Exception:
                pass
        for tag_id in reversed(self.tags):
            try:
                self.admin.delete_tag(tag_id)
            except Exception:
                pass


@pytest.fixture
def trash(admin: PyMISP, cleanup: Cleanup) -> Iterator[Trash]:
    # Depends on `cleanup` so that it is torn down first: events go before their organisations.
    t = Trash(admin)
    yield t
    t.run()


@pytest.fixture(scope='session')
def me(admin: PyMISP) -> dict[str, Any]:
    answer = admin.get_user('me')
    assert_no_error(answer)
    return answer


def default_category(admin: PyMISP, attr_type: str) -> str:
    return admin.describe_types_local['sane_defaults'][attr_type]['default_category']


def default_to_ids(admin: PyMISP, attr_type: str) -> bool:
    return bool(admin.describe_types_local['sane_defaults'][attr_type]['to_ids'])


def new_event(info: str, distribution: int = 1, **fields: Any) -> MISPEvent:
    event = MISPEvent()
    event.info = info
    event.distribution = distribution
    for k, v in fields.items():
        setattr(event, k, v)
    return event


def add_event(admin: PyMISP, trash: Trash, event: MISPEvent) -> MISPEvent:
    created = admin.add_event(event, pythonify=True)
    assert isinstance(created, MISPEvent), f'add_event failed: {created!r}'
    trash.events.append(str(created.id))
    return created


def make_sharing_group(admin: PyMISP, trash: Trash, name: str) -> MISPSharingGroup:
    sg = MISPSharingGroup()
    sg.name = name
    sg.releasability = f'{name}: releasable to members only'
    sg.description = 'PyMISP suite sharing group'
    created = admin.add_sharing_group(sg, pythonify=True)
    assert isinstance(created, MISPSharingGroup), f'add_sharing_group failed: {created!r}'
    trash.sharing_groups.append(str(created.id))
    return created


def by_uuid(items: list[Any]) -> dict[str, Any]:
    return {str(item.uuid): item for item in items}


def tag_names(entity: Any) -> list[str]:
    return sorted(t.name for t in entity.tags)


def is_uuid(value: Any) -> bool:
    try:
        return str(uuid.UUID(str(value))) == str(value).lower()
    except ValueError:
        return False


def attribute_values(admin: PyMISP, event_id: Any) -> set[str]:
    event = admin.get_event(event_id, pythonify=True)
    assert isinstance(event, MISPEvent), event
    return {a.value for a in event.attributes}


# ---------------------------------------------------------------------------------------------
# Creating and reading an event
# ---------------------------------------------------------------------------------------------

def test_add_event_with_many_attribute_types(admin: PyMISP, trash: Trash, unique: str,
                                             me: dict[str, Any], org_name: str) -> None:
    event = new_event(f'Cairn events suite {unique}: phishing campaign', distribution=1,
                      threat_level_id=2, analysis=1)
    sent: dict[str, tuple[str, str, str, bool]] = {}
    for attr_type, value, stored, category, to_ids in ATTRIBUTES:
        kwargs: dict[str, Any] = {}
        if category is not None:
            kwargs['category'] = category
        if to_ids is not None:
            kwargs['to_ids'] = to_ids
        attr = event.add_attribute(attr_type, value, comment=f'{attr_type} of {unique}', **kwargs)
        sent[attr.uuid] = (attr_type, stored, category or default_category(admin, attr_type),
                           default_to_ids(admin, attr_type) if to_ids is None else to_ids)
    event.add_tag('tlp:green')

    created = add_event(admin, trash, event)
    assert isinstance(created.id, int) and created.id > 0
    assert created.uuid == event.uuid
    assert created.info == event.info
    assert created.distribution == 1 and created.threat_level_id == 2 and created.analysis == 1
    assert created.published is False
    assert str(created.org_id) == me['User']['org_id'] and str(created.orgc_id) == me['User']['org_id']
    assert created.Orgc.name == org_name and created.Org.name == org_name
    assert created.attribute_count == str(len(ATTRIBUTES))
    assert tag_names(created) == ['tlp:green']
    assert created.tags[0].local is False
    assert created.objects == [] and created.event_reports == []

    got = by_uuid(created.attributes)
    assert set(got) == set(sent)
    for attr_uuid, (attr_type, stored, category, to_ids) in sent.items():
        a = got[attr_uuid]
        assert isinstance(a, MISPAttribute)
        assert (a.type, a.value, a.category, a.to_ids) == (attr_type, stored, category, to_ids), attr_type
        assert a.distribution == 5, attr_type  # inherit: the stock default
        assert a.comment == f'{attr_type} of {unique}'
        assert a.event_id == created.id
        assert a.deleted is False
        assert a.object_id == '0' and getattr(a, 'object_relation', None) is None
        assert not a.tags

    # Read back by id and by uuid: the same event.
    for key in (created.id, created.uuid):
        view = admin.get_event(key, pythonify=True)
        assert isinstance(view, MISPEvent), view
        assert view.id == created.id and view.uuid == created.uuid and view.info == created.info
        assert {a.uuid: (a.type, a.value, a.category, a.to_ids) for a in view.attributes} == \
            {u: (t, v, c, i) for u, (t, v, c, i) in sent.items()}
        assert tag_names(view) == ['tlp:green']
    assert admin.event_exists(created) is True
    assert admin.event_exists(created.id) is True

    # The raw JSON types PyMISP relies on (spec 1.6, capture 017).
    raw = admin.get_event(created.id)
    assert_no_error(raw)
    e = raw['Event']
    assert e['id'] == str(created.id) and e['published'] is False
    assert e['distribution'] == '1' and e['threat_level_id'] == '2' and e['analysis'] == '1'
    assert e['sharing_group_id'] == '0' and e['publish_timestamp'] == '0'
    assert e['attribute_count'] == str(len(ATTRIBUTES))
    assert e['Orgc']['name'] == org_name
    for key in ('ShadowAttribute', 'RelatedEvent', 'Galaxy', 'Object', 'EventReport'):
        assert e[key] == [], key
    assert [t['name'] for t in e['Tag']] == ['tlp:green']
    assert e['Tag'][0]['local'] is False
    for a in e['Attribute']:
        assert isinstance(a['to_ids'], bool) and a['deleted'] is False
        assert a['distribution'] == '5' and a['sharing_group_id'] == '0'
        assert 'value1' not in a and 'value2' not in a
        assert a['object_id'] == '0' and a['object_relation'] is None
        assert 'Tag' not in a  # no Tag key on an untagged attribute
    composite = {a['type']: a['value'] for a in e['Attribute'] if '|' in a['type']}
    assert composite == {'ip-dst|port': '198.51.100.8|8443', 'filename|sha256': f'invoice.exe|{SHA256_A}',
                         'domain|ip': 'c2.cairn-malware.test|198.51.100.9'}

    # Re-posting the same uuid: 404 with MISP's message (capture 026).
    again = admin.add_event(event)
    body = assert_error(again, 404)
    assert body['message'] == ('Event already exists, if you would like to edit it, use the url in '
                               'the location header.')
    assert body['url'] == '/events/add'


def test_events_index_and_search_index(admin: PyMISP, trash: Trash, unique: str, org_name: str) -> None:
    first = new_event(f'Cairn index {unique} alpha', distribution=0)
    first.add_attribute('ip-dst', '198.51.100.20')
    first.add_tag('tlp:green')
    first = add_event(admin, trash, first)
    second = new_event(f'Cairn index {unique} beta', distribution=3, threat_level_id=1)
    second.add_attribute('domain', 'beta.cairn-index.test')
    second.add_attribute('md5', 'c773fdef3889bdadbe809f1e8aaeea46')
    second = add_event(admin, trash, second)
    other = add_event(admin, trash, new_event(f'Cairn index {uuid.uuid4().hex[:8]} unrelated'))

    rows = admin.events()
    assert isinstance(rows, list), rows
    index = {row['uuid']: row for row in rows}
    assert {first.uuid, second.uuid, other.uuid} <= set(index)
    row = index[second.uuid]
    assert 'Event' not in row and 'Attribute' not in row  # bare rows (capture 021)
    assert row['id'] == str(second.id) and row['info'] == second.info
    assert row['attribute_count'] == '2' and row['distribution'] == '3' and row['threat_level_id'] == '1'
    assert row['published'] is False
    assert row['Orgc']['name'] == org_name and row['Org']['name'] == org_name
    assert [et['Tag']['name'] for et in index[first.uuid]['EventTag']] == ['tlp:green']

    py_rows = admin.events(pythonify=True)
    assert any(isinstance(e, MISPEvent) and e.uuid == second.uuid and e.info == second.info for e in py_rows)

    # search_index(eventinfo=...) is a substring match on info (capture 022).
    found = admin.search_index(eventinfo=f'Cairn index {unique}', pythonify=True)
    assert isinstance(found, list), found
    assert sorted(e.uuid for e in found) == sorted([first.uuid, second.uuid])
    assert all(isinstance(e, MISPEvent) for e in found)
    found_raw = admin.search_index(eventinfo=f'{unique} beta')
    assert [e['uuid'] for e in found_raw] == [second.uuid]
    assert admin.search_index(eventinfo=f'no such event {unique}') == []


# ---------------------------------------------------------------------------------------------
# Objects and references
# ---------------------------------------------------------------------------------------------

def test_file_object_and_reference(admin: PyMISP, trash: Trash, unique: str) -> None:
    event = new_event(f'Cairn object {unique}')
    c2 = event.add_attribute('ip-dst', '198.51.100.30', comment='C2 server')
    event = add_event(admin, trash, event)

    obj = MISPObject('file')
    obj.comment = 'dropper seen in phishing mail'
    obj.add_attribute('filename', value='invoice.pdf.exe')
    obj.add_attribute('md5', value='9c7969d08ab515b3d1735f97dbd45721')
    obj.add_attribute('sha256', value=SHA256_B)
    obj.add_attribute('size-in-bytes', value=48213)
    created = admin.add_object(event, obj, pythonify=True)
    assert isinstance(created, MISPObject), created
    assert created.name == 'file' and created['meta-category'] == 'file'
    assert created.uuid == obj.uuid
    assert created.template_uuid == obj.template_uuid
    assert str(created.template_version) == str(obj.template_version)
    assert created.comment == 'dropper seen in phishing mail'
    assert created.distribution == 5
    assert str(created.event_id) == str(event.id)
    relations = {a.object_relation: a for a in created.attributes}
    assert set(relations) == {'filename', 'md5', 'sha256', 'size-in-bytes'}
    assert (relations['filename'].type, relations['filename'].value) == ('filename', 'invoice.pdf.exe')
    assert (relations['sha256'].type, relations['sha256'].value) == ('sha256', SHA256_B)
    assert (relations['size-in-bytes'].type, relations['size-in-bytes'].value) == ('size-in-bytes', '48213')
    assert relations['size-in-bytes'].to_ids is False and relations['md5'].to_ids is True
    for a in created.attributes:
        assert str(a.object_id) == str(created.id) and a.event_id == event.id

    # The reference: file object -> the C2 attribute (capture 051).
    ref = created.add_reference(c2.uuid, 'communicates-with', 'dropper beacons to C2')
    assert isinstance(ref, MISPObjectReference)
    new_ref = admin.add_object_reference(ref, pythonify=True)
    assert isinstance(new_ref, MISPObjectReference), new_ref
    assert new_ref.relationship_type == 'communicates-with'
    assert new_ref.comment == 'dropper beacons to C2'
    assert new_ref.referenced_uuid == c2.uuid
    assert new_ref.object_uuid == created.uuid and new_ref.source_uuid == created.uuid
    assert new_ref.referenced_type == '0'  # 0 = attribute
    assert new_ref.object_id == str(created.id) and new_ref.event_id == str(event.id)
    c2_id = next(a.id for a in event.attributes if a.uuid == c2.uuid)
    assert new_ref.referenced_id == str(c2_id)
    assert new_ref.deleted is False

    # The event now shows the object with its reference and the target summary (capture 070).
    view = admin.get_event(event.id, pythonify=True)
    assert [o.uuid for o in view.objects] == [created.uuid]
    o = view.objects[0]
    assert o.name == 'file'
    assert {a.object_relation: a.value for a in o.attributes} == {
        'filename': 'invoice.pdf.exe', 'md5': '9c7969d08ab515b3d1735f97dbd45721',
        'sha256': SHA256_B, 'size-in-bytes': '48213'}
    assert [(r.referenced_uuid, r.relationship_type) for r in o.references] == [(c2.uuid, 'communicates-with')]
    # Object attributes are not among the event's own attributes, but are counted.
    assert [a.uuid for a in view.attributes] == [c2.uuid]
    assert view.attribute_count == '5'
    raw_ref = admin.get_event(event.id)['Event']['Object'][0]['ObjectReference'][0]
    assert raw_ref['Attribute']['uuid'] == c2.uuid and raw_ref['Attribute']['value'] == '198.51.100.30'
    assert raw_ref['Attribute']['type'] == 'ip-dst'

    # get_object / object_exists
    fetched = admin.get_object(created.id, pythonify=True)
    assert isinstance(fetched, MISPObject) and fetched.uuid == created.uuid
    assert {a.object_relation for a in fetched.attributes} == {'filename', 'md5', 'sha256', 'size-in-bytes'}
    assert admin.object_exists(created) is True


# ---------------------------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------------------------

def test_tags_on_event_and_attribute(admin: PyMISP, trash: Trash, unique: str) -> None:
    global_name = f'cairn-suite:global="{unique}"'
    tag = MISPTag()
    tag.name = global_name
    tag.colour = '#00aa55'
    tag.exportable = True
    new_tag = admin.add_tag(tag, pythonify=True)
    assert isinstance(new_tag, MISPTag), new_tag
    trash.tags.append(str(new_tag.id))
    assert new_tag.name == global_name and new_tag.colour == '#00aa55' and new_tag.exportable is True

    # A tag attached on the attribute itself before sending it (MISPAttribute.add_tag).
    event = new_event(f'Cairn tags {unique}')
    target = event.add_attribute('domain', 'tagged.cairn-tags.test')
    target.add_tag('tlp:amber')
    event.add_tag('tlp:green')
    event = add_event(admin, trash, event)
    attr = next(a for a in event.attributes if a.uuid == target.uuid)
    assert tag_names(attr) == ['tlp:amber']
    assert tag_names(event) == ['tlp:green']

    # PyMISP tag(): global tag on the event and on the attribute (capture 065).
    answer = admin.tag(event, global_name)
    assert_no_error(answer)
    assert answer['saved'] is True and answer['success'] is True
    assert answer['message'] == f'Global tag {global_name}({new_tag.id}) successfully attached to Event({event.id}).'
    assert answer['url'] == '/tags/attachTagToObject'
    answer = admin.tag(attr, new_tag)
    assert_no_error(answer)
    assert answer['message'] == f'Global tag {global_name}({new_tag.id}) successfully attached to Attribute({attr.id}).'

    # A local tag that does not exist yet: created on the fly (capture 067).
    local_name = f'cairn-suite:local-{unique}'
    answer = admin.tag(event.uuid, local_name, local=True)
    assert_no_error(answer)
    assert answer['saved'] is True
    assert answer['message'].startswith(f'Local tag {local_name}(')
    assert answer['message'].endswith(f') successfully attached to Event({event.id}).')

    view = admin.get_event(event.id, pythonify=True)
    trash.tags.extend(str(t.id) for t in view.tags if t.name == local_name)
    assert tag_names(view) == sorted(['tlp:green', global_name, local_name])
    assert {t.name: t.local for t in view.tags} == {'tlp:green': False, global_name: False, local_name: True}
    tagged = next(a for a in view.attributes if a.uuid == attr.uuid)
    assert tag_names(tagged) == sorted(['tlp:amber', global_name])
    single = admin.get_attribute(attr.id, pythonify=True)
    assert tag_names(single) == sorted(['tlp:amber', global_name])

    # PyMISP untag() (capture 066: a space before the id in this message).
    answer = admin.untag(attr, global_name)
    assert_no_error(answer)
    assert answer['saved'] is True and answer['success'] is True
    assert answer['message'] == f'Global tag {global_name} ({new_tag.id}) successfully removed from Attribute({attr.id}).'
    answer = admin.untag(event, global_name)
    assert_no_error(answer)
    assert answer['message'] == f'Global tag {global_name} ({new_tag.id}) successfully removed from Event({event.id}).'
    view = admin.get_event(event.id, pythonify=True)
    assert tag_names(view) == sorted(['tlp:green', local_name])
    assert tag_names(next(a for a in view.attributes if a.uuid == attr.uuid)) == ['tlp:amber']

    # Unknown target (capture 069).
    missing = admin.tag('00000000-0000-4000-8000-000000000000', 'tlp:green')
    body = assert_error(missing, 404)
    assert body['message'] == 'Invalid Target.'


# ---------------------------------------------------------------------------------------------
# Event reports
# ---------------------------------------------------------------------------------------------

def test_event_reports(admin: PyMISP, trash: Trash, unique: str) -> None:
    event = new_event(f'Cairn reports {unique}')
    c2 = event.add_attribute('ip-dst', '198.51.100.40')
    event = add_event(admin, trash, event)

    report = MISPEventReport()
    report.name = f'Cairn report {unique}'
    report.content = f'# Campaign\n\nThe dropper beacons to @[attribute]({c2.uuid}).'
    report.distribution = 5
    created = admin.add_event_report(event, report, pythonify=True)
    assert isinstance(created, MISPEventReport), created
    assert created.uuid == report.uuid
    assert created.name == report.name and created.content == report.content
    assert created.distribution == 5 and created.deleted is False
    assert created.event_id == event.id
    assert isinstance(created.id, int) and created.id > 0

    # Raw shape of add/view (capture 055/056): EventReport + Event summary + SharingGroup.
    raw = admin.get_event_report(created.id)
    assert_no_error(raw)
    assert raw['EventReport']['uuid'] == created.uuid and raw['EventReport']['distribution'] == '5'
    assert raw['EventReport']['deleted'] is False
    assert raw['Event']['id'] == str(event.id) and raw['Event']['info'] == event.info

    fetched = admin.get_event_report(created.uuid, pythonify=True)
    assert isinstance(fetched, MISPEventReport) and fetched.id == created.id
    assert fetched.content == report.content

    listed = admin.get_event_reports(event.id, pythonify=True)
    assert isinstance(listed, list), listed
    assert [r.uuid for r in listed] == [created.uuid]

    # Edit the pythonified report (capture 059).
    fetched.name = f'Cairn report {unique} (edited)'
    fetched.content += '\n## Update\nSecond stage seen.'
    updated = admin.update_event_report(fetched, pythonify=True)
    assert isinstance(updated, MISPEventReport), updated
    assert updated.id == created.id and updated.uuid == created.uuid
    assert updated.name == f'Cairn report {unique} (edited)'
    assert updated.content.endswith('## Update\nSecond stage seen.')
    view = admin.get_event(event.id, pythonify=True)
    assert [(r.uuid, r.name) for r in view.event_reports] == [(created.uuid, updated.name)]

    # Soft delete through the object: PyMISP sends its uuid (spec 8).
    answer = admin.delete_event_report(created)
    assert_no_error(answer)
    assert answer['saved'] is True and answer['success'] is True
    assert answer['message'] == f'Event Report {created.uuid} soft deleted'

    # Hard delete by id.
    answer = admin.delete_event_report(created.id, hard=True)
    assert_no_error(answer)
    assert answer['message'] == f'Event Report {created.id} hard deleted'
    assert admin.get_event(event.id)['Event']['EventReport'] == []
    body = assert_error(admin.get_event_report(created.id), 404)
    assert body['message'] == 'Invalid report'


def test_soft_deleted_report_stays_in_event_view(admin: PyMISP, trash: Trash, unique: str) -> None:
    event = add_event(admin, trash, new_event(f'Cairn deleted report {unique}'))
    report = MISPEventReport()
    report.name = 'scratch report'
    report.content = 'to be deleted'
    report.distribution = 0
    created = admin.add_event_report(event, report, pythonify=True)
    assert isinstance(created, MISPEventReport), created
    assert admin.delete_event_report(created)['success'] is True
    raw_event = admin.get_event(event.id)['Event']
    assert [(r['uuid'], r['deleted']) for r in raw_event['EventReport']] == [(created.uuid, True)]


# ---------------------------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------------------------

def test_publish_and_unpublish(admin: PyMISP, trash: Trash, unique: str) -> None:
    event = new_event(f'Cairn publish {unique}')
    event.add_attribute('ip-dst', '198.51.100.50')
    event = add_event(admin, trash, event)
    assert event.published is False

    answer = admin.publish(event.id)
    assert answer == {'saved': True, 'success': True, 'name': 'Event published without alerts',
                      'message': 'Event published without alerts', 'url': f'/events/publish/{event.id}',
                      'id': str(event.id)}
    view = admin.get_event(event.id, pythonify=True)
    assert view.published is True
    published_at = int(view.publish_timestamp.timestamp())
    assert published_at > 0
    assert [e['published'] for e in admin.search_index(eventinfo=f'Cairn publish {unique}')] == [True]

    answer = admin.unpublish(event.id)
    assert answer == {'saved': True, 'success': True, 'name': 'Event unpublished.',
                      'message': 'Event unpublished.', 'url': f'/events/unpublish/{event.id}',
                      'id': str(event.id)}
    view = admin.get_event(event.id, pythonify=True)
    assert view.published is False
    # Unpublishing keeps the last publish timestamp (capture 025 / 070).
    assert int(view.publish_timestamp.timestamp()) == published_at

    # An edit that does not say published: true unpublishes (spec 4.4 rule 3).
    assert admin.publish(event.id)['success'] is True
    assert admin.get_event(event.id, pythonify=True).published is True
    partial = MISPEvent()
    partial.uuid = event.uuid
    partial.info = f'Cairn publish {unique} (edited)'
    edited = admin.update_event(partial, pythonify=True)
    assert isinstance(edited, MISPEvent), edited
    assert edited.published is False and edited.info == partial.info


# ---------------------------------------------------------------------------------------------
# Editing an event: merge semantics
# ---------------------------------------------------------------------------------------------

def test_update_event_merges(admin: PyMISP, trash: Trash, unique: str) -> None:
    event = new_event(f'Cairn merge {unique}', distribution=2, threat_level_id=3, analysis=2)
    for value in ('198.51.100.60', '198.51.100.61'):
        event.add_attribute('ip-dst', value)
    event.add_attribute('domain', 'merge.cairn-merge.test', comment='keep me')
    event.add_tag('tlp:green')
    event = add_event(admin, trash, event)
    before = {a.uuid: (a.type, a.value, a.comment) for a in event.attributes}

    # Partial event: uuid, id, new info and one new attribute (capture 020).
    partial = MISPEvent()
    partial.uuid = event.uuid
    partial.id = event.id
    partial.info = f'Cairn merge {unique} (updated)'
    added = partial.add_attribute('hostname', 'mail.cairn-merge.test', comment='added by edit')
    updated = admin.update_event(partial, pythonify=True)
    assert isinstance(updated, MISPEvent), updated
    assert updated.id == event.id and updated.uuid == event.uuid
    assert updated.info == partial.info
    # Fields absent from the body keep their stored values.
    assert (updated.distribution, updated.threat_level_id, updated.analysis) == (2, 3, 2)
    assert tag_names(updated) == ['tlp:green']
    after = {a.uuid: (a.type, a.value, a.comment) for a in updated.attributes}
    assert after == {**before, added.uuid: ('hostname', 'mail.cairn-merge.test', 'added by edit')}
    assert updated.attribute_count == '4'
    assert updated.timestamp >= event.timestamp

    # The usual PyMISP round trip: read, change, send the whole object back.
    full = admin.get_event(event.id, pythonify=True)
    full.threat_level_id = 1
    domain = next(a for a in full.attributes if a.type == 'domain')
    domain.comment = 'edited through update_event'
    domain.to_ids = False
    again = admin.update_event(full, pythonify=True)
    assert isinstance(again, MISPEvent), again
    assert again.threat_level_id == 1 and again.info == partial.info
    assert len(again.attributes) == 4
    changed = next(a for a in again.attributes if a.uuid == domain.uuid)
    assert changed.comment == 'edited through update_event' and changed.to_ids is False
    untouched = {a.uuid: a.value for a in again.attributes if a.uuid != domain.uuid}
    assert untouched == {u: v[1] for u, v in after.items() if u != domain.uuid}

    # An attribute sent with deleted: true in an edit is soft-deleted, the others stay.
    drop = next(a for a in again.attributes if a.value == '198.51.100.60')
    gone = MISPEvent()
    gone.uuid = event.uuid
    gone.info = again.info
    gone.add_attribute('ip-dst', '198.51.100.60', uuid=drop.uuid, deleted=True)
    answer = admin.update_event(gone, pythonify=True)
    assert isinstance(answer, MISPEvent), answer
    assert sorted(a.value for a in answer.attributes) == sorted(
        ['198.51.100.61', 'merge.cairn-merge.test', 'mail.cairn-merge.test'])


# ---------------------------------------------------------------------------------------------
# Attributes: add, get, update, delete, restore
# ---------------------------------------------------------------------------------------------

def test_attribute_lifecycle(admin: PyMISP, trash: Trash, unique: str) -> None:
    event = add_event(admin, trash, new_event(f'Cairn attributes {unique}'))

    new = MISPAttribute()
    new.type = 'sha1'
    new.value = '3820bb019c542630330326a79d5cfbab3e3481fa'
    new.comment = 'dropper sha1'
    attr = admin.add_attribute(event, new, pythonify=True)
    assert isinstance(attr, MISPAttribute), attr
    assert attr.uuid == new.uuid
    assert (attr.type, attr.value, attr.category, attr.to_ids) == \
        ('sha1', '3820bb019c542630330326a79d5cfbab3e3481fa', 'Payload delivery', True)
    assert attr.distribution == 5 and attr.deleted is False
    assert attr.event_id == event.id and attr.comment == 'dropper sha1'

    # Composite types through add_attribute; the raw answer keeps the joined value.
    raw = admin.add_attribute(event.id, {'type': 'ip-dst|port', 'value': '198.51.100.70|443',
                                         'to_ids': False})
    assert_no_error(raw)
    assert raw['Attribute']['type'] == 'ip-dst|port' and raw['Attribute']['value'] == '198.51.100.70|443'
    assert raw['Attribute']['to_ids'] is False and raw['Attribute']['category'] == 'Network activity'
    assert raw['Attribute']['event_id'] == str(event.id)

    # Duplicate and invalid values: 403 with MISP's validation envelope (captures 035, 037).
    dup = admin.add_attribute(event, {'type': 'sha1', 'value': '3820bb019c542630330326a79d5cfbab3e3481fa'})
    body = assert_error(dup, 403)
    assert body == {'saved': False, 'name': 'Could not add Attribute', 'message': 'Could not add Attribute',
                    'url': '/attributes/add',
                    'errors': {'value': ['A similar attribute already exists for this event.']}}
    bad = admin.add_attribute(event, {'type': 'ip-dst', 'value': '999.1.1.1'})
    body = assert_error(bad, 403)
    assert body['errors'] == {'value': ['IP address has an invalid format.']}
    bad = admin.add_attribute(event, {'type': 'domain|ip', 'value': 'no-pipe.cairn.test'})
    body = assert_error(bad, 403)
    assert body['errors'] == {'value': ['Composite type found but the value not in the composite '
                                        '(value1|value2) format.']}

    # A list of attributes, one of them invalid (captures 034, 038).
    listed = admin.add_attribute(event, [{'type': 'ip-src', 'value': '203.0.113.71'},
                                         {'type': 'domain', 'value': 'list.cairn-attributes.test'}],
                                 pythonify=True)
    assert sorted(a.value for a in listed['attributes']) == ['203.0.113.71', 'list.cairn-attributes.test']
    assert 'errors' not in listed
    partial = admin.add_attribute(event, [{'type': 'ip-src', 'value': '203.0.113.72'},
                                          {'type': 'ip-src', 'value': 'not-an-ip'}])
    assert isinstance(partial['Attribute'], dict), partial  # one saved: an object, not a list
    assert partial['Attribute']['value'] == '203.0.113.72'
    assert partial['errors'] == {'attribute_1': {'value': ['IP address has an invalid format.']}}
    assert attribute_values(admin, event.id) == {
        '3820bb019c542630330326a79d5cfbab3e3481fa', '198.51.100.70|443', '203.0.113.71',
        'list.cairn-attributes.test', '203.0.113.72'}

    # get_attribute by id and by uuid; attribute_exists.
    got = admin.get_attribute(attr.id, pythonify=True)
    assert isinstance(got, MISPAttribute) and got.uuid == attr.uuid and got.value == attr.value
    assert admin.get_attribute(attr.uuid, pythonify=True).id == attr.id
    assert admin.attribute_exists(attr) is True
    assert admin.attribute_exists(attr.id) is True

    # update_attribute the PyMISP way (capture 048), then a partial dict.
    got.comment = 'dropper sha1 (edited)'
    got.to_ids = False
    edited = admin.update_attribute(got, pythonify=True)
    assert isinstance(edited, MISPAttribute), edited
    assert edited.id == attr.id and edited.comment == 'dropper sha1 (edited)' and edited.to_ids is False
    assert edited.value == attr.value and edited.category == 'Payload delivery'
    answer = admin.update_attribute({'comment': 'partial edit'}, attr.id)
    assert_no_error(answer)
    assert answer['Attribute']['comment'] == 'partial edit'
    assert answer['Attribute']['to_ids'] is False and answer['Attribute']['value'] == attr.value
    assert admin.get_attribute(attr.id, pythonify=True).comment == 'partial edit'

    # Soft delete (capture 040), view answers 405 (041), deleted=True shows it in the event.
    assert admin.delete_attribute(attr.id) == {'message': 'Attribute deleted.'}
    body = assert_error(admin.get_attribute(attr.id), 405)
    assert body == {'name': 'Invalid attribute', 'message': 'Invalid attribute', 'url': f'/attributes/view/{attr.id}'}
    assert admin.attribute_exists(attr.id) is False
    assert attr.uuid not in by_uuid(admin.get_event(event.id, pythonify=True).attributes)
    with_deleted = by_uuid(admin.get_event(event.id, deleted=True, pythonify=True).attributes)
    assert with_deleted[attr.uuid].deleted is True

    # Restore (302 followed by requests, captures 042/043).
    restored = admin.restore_attribute(attr.id, pythonify=True)
    assert isinstance(restored, MISPAttribute), restored
    assert restored.id == attr.id and restored.deleted is False and restored.value == attr.value
    assert admin.attribute_exists(attr) is True
    assert attr.uuid in by_uuid(admin.get_event(event.id, pythonify=True).attributes)

    # Hard delete through the object (PyMISP sends the uuid).
    assert admin.delete_attribute(attr, hard=True) == {'message': 'Attribute deleted.'}
    assert admin.attribute_exists(attr.id) is False
    assert attr.uuid not in by_uuid(admin.get_event(event.id, deleted=True, pythonify=True).attributes)
    body = assert_error(admin.delete_attribute(attr.id), 404)
    assert body['message'] == 'Invalid attribute'


# ---------------------------------------------------------------------------------------------
# Deleting an event
# ---------------------------------------------------------------------------------------------

def test_delete_event(admin: PyMISP, trash: Trash, unique: str) -> None:
    event = new_event(f'Cairn delete {unique}', distribution=0)
    attr = event.add_attribute('ip-src', '192.0.2.77')
    event = add_event(admin, trash, event)
    assert admin.event_exists(event) is True and admin.attribute_exists(attr) is True

    answer = admin.delete_event(event.id)
    assert answer == {'saved': True, 'success': True, 'name': 'Event deleted.', 'message': 'Event deleted.',
                      'url': f'/events/delete/{event.id}', 'id': str(event.id)}
    assert admin.event_exists(event) is False
    assert admin.event_exists(event.id) is False
    assert admin.attribute_exists(attr) is False
    body = assert_error(admin.get_event(event.id), 404)
    assert body == {'name': 'Invalid event', 'message': 'Invalid event', 'url': f'/events/view/{event.id}'}
    assert admin.search_index(eventinfo=f'Cairn delete {unique}') == []

    # Deleting it again: refused (the exact body is checked in the next test).
    body = assert_error(admin.delete_event(event.id), 403)
    assert body['saved'] is False and body['errors'] == 'Event was not deleted.'


def test_delete_missing_event_answer(admin: PyMISP, trash: Trash, unique: str) -> None:
    event = add_event(admin, trash, new_event(f'Cairn delete twice {unique}', distribution=0))
    assert admin.delete_event(event.id)['success'] is True
    body = assert_error(admin.delete_event(event.id), 403)
    assert body == {'saved': False, 'name': 'Could not delete Event', 'message': 'Could not delete Event',
                    'url': '/events/delete', 'errors': 'Event was not deleted.'}


# ---------------------------------------------------------------------------------------------
# Sharing groups
# ---------------------------------------------------------------------------------------------

def test_sharing_group_lifecycle(admin: PyMISP, trash: Trash, unique: str, me: dict[str, Any],
                                 org_name: str, org: MISPOrganisation, user_misp: PyMISP) -> None:
    sg = make_sharing_group(admin, trash, f'Cairn SG {unique}')
    assert sg.name == f'Cairn SG {unique}'
    assert sg.releasability == f'Cairn SG {unique}: releasable to members only'
    assert sg.description == 'PyMISP suite sharing group'
    assert is_uuid(sg.uuid)
    assert sg.org_id == me['User']['org_id']
    assert sg.active is True and sg.roaming is False
    assert sg.sgorgs == []  # the creator org is not a member row (capture 102)
    assert admin.sharing_group_exists(sg) is True

    # The other organisation's user does not see it yet.
    assert [s for s in user_misp.sharing_groups() if s['SharingGroup']['uuid'] == sg.uuid] == []

    answer = admin.add_org_to_sharing_group(sg, org)
    assert_no_error(answer)
    assert answer['saved'] is True and answer['success'] is True
    assert answer['name'] == answer['message'] == 'Organisation added to the sharing group.'
    assert answer['url'] == '/sharing_groups/addOrg'  # capture 103
    again = admin.add_org_to_sharing_group(sg.id, org.id)
    body = assert_error(again, 403)
    assert body['saved'] is False
    assert body['errors'] == 'Organisation is already in the sharing group.'
    assert body['name'] == body['message'] == 'Could not add Organisation to SharingGroup'
    # body['url'] is checked in test_add_org_twice_answer.

    rows = admin.sharing_groups()
    assert isinstance(rows, list), rows
    row = next(r for r in rows if r['SharingGroup']['uuid'] == sg.uuid)
    assert row['SharingGroup']['id'] == sg.id and row['SharingGroup']['name'] == sg.name
    assert row['SharingGroup']['org_count'] == '1'
    assert row['Organisation']['name'] == org_name
    assert [(o['org_id'], o['extend'], o['Organisation']['name']) for o in row['SharingGroupOrg']] == \
        [(org.id, False, org.name)]
    assert row['editable'] is True and row['deletable'] is True
    py_rows = admin.sharing_groups(pythonify=True)
    assert any(isinstance(s, MISPSharingGroup) and s.uuid == sg.uuid for s in py_rows)

    view = admin.get_sharing_group(sg.id, pythonify=True)
    assert isinstance(view, MISPSharingGroup), view
    assert view.uuid == sg.uuid and view.name == sg.name
    assert [(o.Organisation.name, o.extend) for o in view.sgorgs] == [(org.name, False)]
    raw = admin.get_sharing_group(sg.id)
    assert raw['Organisation']['name'] == org_name
    assert [(s['server_id'], s['all_orgs']) for s in raw['SharingGroupServer']] == [('0', False)]

    # Now the member organisation sees it too.
    member_rows = user_misp.sharing_groups()
    assert [s['SharingGroup']['uuid'] for s in member_rows if s['SharingGroup']['uuid'] == sg.uuid] == [sg.uuid]
    assert user_misp.sharing_group_exists(sg.id) is True

    answer = admin.remove_org_from_sharing_group(sg, org)
    assert_no_error(answer)
    assert answer['saved'] is True and answer['success'] is True
    assert answer['name'] == answer['message'] == 'Organisation removed from the sharing group.'
    assert answer['url'] == '/sharing_groups/removeOrg'
    assert admin.get_sharing_group(sg.id, pythonify=True).sgorgs == []
    assert user_misp.sharing_group_exists(sg.id) is False

    answer = admin.delete_sharing_group(sg.id)
    assert_no_error(answer)
    assert answer['saved'] is True and answer['success'] is True
    assert answer['name'] == answer['message'] == 'SharingGroup deleted'
    assert admin.sharing_group_exists(sg.id) is False
    assert [r for r in admin.sharing_groups() if r['SharingGroup']['uuid'] == sg.uuid] == []


def test_add_org_twice_answer(admin: PyMISP, trash: Trash, unique: str, org: MISPOrganisation) -> None:
    sg = make_sharing_group(admin, trash, f'Cairn SG twice {unique}')
    assert admin.add_org_to_sharing_group(sg, org)['success'] is True
    body = assert_error(admin.add_org_to_sharing_group(sg, org), 403)
    assert body == {'saved': False, 'name': 'Could not add Organisation to SharingGroup',
                    'message': 'Could not add Organisation to SharingGroup', 'url': '/sharing_groups/addOrg',
                    'errors': 'Organisation is already in the sharing group.'}


def test_view_missing_sharing_group_is_405(admin: PyMISP, trash: Trash, unique: str,
                                           user_misp: PyMISP) -> None:
    sg = make_sharing_group(admin, trash, f'Cairn SG gone {unique}')
    # Invisible to another organisation's user (HEAD: 404, GET: 405).
    assert user_misp.sharing_group_exists(sg.id) is False
    body = assert_error(user_misp.get_sharing_group(sg.id), 405)
    assert body == {'name': "Sharing group doesn't exist or you do not have permission to access it.",
                    'message': "Sharing group doesn't exist or you do not have permission to access it.",
                    'url': f'/sharing_groups/view/{sg.id}'}
    assert admin.delete_sharing_group(sg.id)['success'] is True
    body = assert_error(admin.get_sharing_group(sg.id), 405)
    assert body['message'] == "Sharing group doesn't exist or you do not have permission to access it."


# ---------------------------------------------------------------------------------------------
# A second organisation's user sees exactly what distribution allows
# ---------------------------------------------------------------------------------------------

def test_other_org_cannot_see_org_only_event(admin: PyMISP, trash: Trash, unique: str,
                                             user_misp: PyMISP) -> None:
    event = new_event(f'Cairn org-only {unique}', distribution=0)
    attr = event.add_attribute('ip-dst', '203.0.113.100')
    event = add_event(admin, trash, event)

    # Same 404 as a missing event (captures 110, 114), by id and by uuid.
    body = assert_error(user_misp.get_event(event.id), 404)
    assert body == {'name': 'Invalid event', 'message': 'Invalid event', 'url': f'/events/view/{event.id}'}
    assert_error(user_misp.get_event(event.uuid), 404)
    assert user_misp.event_exists(event) is False
    assert user_misp.event_exists(event.id) is False
    assert event.uuid not in {e['uuid'] for e in user_misp.events()}
    assert user_misp.search_index(eventinfo=f'Cairn org-only {unique}') == []
    assert user_misp.attribute_exists(attr) is False
    assert_error(user_misp.get_attribute(attr.uuid), 405)
    # The owner still sees it.
    assert admin.event_exists(event) is True


def test_other_org_sees_distribution_3_event_without_org_only_data(
        admin: PyMISP, trash: Trash, unique: str, user_misp: PyMISP, org_name: str) -> None:
    event = new_event(f'Cairn all communities {unique}', distribution=3)
    hidden = event.add_attribute('ip-dst', '203.0.113.110', distribution=0, comment='org only')
    inherited = event.add_attribute('domain', 'shared.cairn-dist.test', distribution=5)
    community = event.add_attribute('ip-src', '203.0.113.111', distribution=1)
    event = add_event(admin, trash, event)
    hidden_report = MISPEventReport()
    hidden_report.name = 'org-only report'
    hidden_report.content = 'internal'
    hidden_report.distribution = 0
    assert isinstance(admin.add_event_report(event, hidden_report, pythonify=True), MISPEventReport)
    shared_report = MISPEventReport()
    shared_report.name = 'shared report'
    shared_report.content = 'for everyone'
    shared_report.distribution = 5
    assert isinstance(admin.add_event_report(event, shared_report, pythonify=True), MISPEventReport)
    private_obj = MISPObject('domain-ip')
    private_obj.distribution = 0
    private_obj.add_attribute('domain', value='private.cairn-dist.test')
    private_obj.add_attribute('ip', value='203.0.113.112')
    assert isinstance(admin.add_object(event, private_obj, pythonify=True), MISPObject)
    shared_obj = MISPObject('domain-ip')
    shared_obj.add_attribute('domain', value='public.cairn-dist.test')
    shared_obj.add_attribute('ip', value='203.0.113.113')
    assert isinstance(admin.add_object(event, shared_obj, pythonify=True), MISPObject)

    # The owner sees everything.
    own = admin.get_event(event.id, pythonify=True)
    assert set(by_uuid(own.attributes)) == {hidden.uuid, inherited.uuid, community.uuid}
    hidden_id = by_uuid(own.attributes)[hidden.uuid].id
    assert sorted(r.name for r in own.event_reports) == ['org-only report', 'shared report']
    assert sorted(o.uuid for o in own.objects) == sorted([private_obj.uuid, shared_obj.uuid])

    seen = user_misp.get_event(event.id, pythonify=True)
    assert isinstance(seen, MISPEvent), seen
    assert seen.uuid == event.uuid and seen.distribution == 3
    assert seen.Orgc.name == org_name
    attrs = by_uuid(seen.attributes)
    assert hidden.uuid not in attrs
    assert set(attrs) == {inherited.uuid, community.uuid}
    assert attrs[inherited.uuid].distribution == 5 and attrs[inherited.uuid].value == 'shared.cairn-dist.test'
    assert [r.name for r in seen.event_reports] == ['shared report']
    assert [o.uuid for o in seen.objects] == [shared_obj.uuid]
    assert {a.value for a in seen.objects[0].attributes} == {'public.cairn-dist.test', '203.0.113.113'}
    assert user_misp.object_exists(private_obj) is False
    assert user_misp.object_exists(shared_obj) is True
    raw = user_misp.get_event(event.id)['Event']
    assert 'event_creator_email' not in raw  # other org (capture 109)
    assert '203.0.113.110' not in json.dumps(raw) and 'private.cairn-dist.test' not in json.dumps(raw)

    assert user_misp.event_exists(event) is True
    assert user_misp.attribute_exists(inherited) is True
    assert user_misp.attribute_exists(hidden) is False
    body = assert_error(user_misp.get_attribute(hidden_id), 405)
    assert body['message'] == 'Invalid attribute'
    shown = user_misp.get_attribute(inherited.uuid, pythonify=True)
    assert isinstance(shown, MISPAttribute) and shown.value == 'shared.cairn-dist.test'
    assert event.uuid in {e['uuid'] for e in user_misp.events()}
    assert [e['uuid'] for e in user_misp.search_index(eventinfo=f'Cairn all communities {unique}')] == [event.uuid]


def test_other_org_cannot_edit_or_add_to_foreign_event(
        admin: PyMISP, trash: Trash, unique: str, user_misp: PyMISP) -> None:
    event = new_event(f'Cairn foreign {unique}', distribution=3)
    target = event.add_attribute('ip-dst', '203.0.113.120', comment='original')
    event = add_event(admin, trash, event)
    target_id = next(a.id for a in event.attributes if a.uuid == target.uuid)

    # update_event: 403 "You are not authorised to do that." (capture 115).
    hijack = MISPEvent()
    hijack.uuid = event.uuid
    hijack.info = 'hijack attempt'
    body = assert_error(user_misp.update_event(hijack), 403)
    assert body['name'] == body['message'] == NOT_AUTHORISED
    assert body['url'] == f'/events/edit/{event.uuid}'
    body = assert_error(user_misp.update_event(hijack, event_id=event.id), 403)
    assert body['message'] == NOT_AUTHORISED
    assert admin.get_event(event.id, pythonify=True).info == event.info

    # add_attribute: the direct add is refused (spec 5.1: 403 "You do not have permission to do
    # that."), then PyMISP falls back to shadowAttributes/add. Whatever that returns, the event
    # must not have gained an attribute.
    direct = user_misp.direct_call(f'attributes/add/{event.id}', {'type': 'ip-dst', 'value': '203.0.113.122'})
    body = assert_error(direct, 403)
    assert body['message'] == 'You do not have permission to do that.'  # what triggers the fallback
    intruder = MISPAttribute()
    intruder.type = 'ip-dst'
    intruder.value = '203.0.113.121'
    user_misp.add_attribute(event.id, intruder)
    assert attribute_values(admin, event.id) == {'203.0.113.120'}
    assert admin.attribute_exists(intruder) is False
    assert admin.get_event(event.id, pythonify=True).attribute_count == '1'

    # update_attribute falls back to a proposal the same way; the attribute must not change.
    stolen = user_misp.get_attribute(target_id, pythonify=True)
    assert isinstance(stolen, MISPAttribute), stolen
    stolen.comment = 'changed by another org'
    user_misp.update_attribute(stolen)
    assert admin.get_attribute(target_id, pythonify=True).comment == 'original'

    # delete_event is refused as well (403 "Event was not deleted.").
    body = assert_error(user_misp.delete_event(event.id), 403)
    assert body['saved'] is False
    assert admin.event_exists(event) is True


def test_sharing_group_membership_controls_visibility(
        admin: PyMISP, trash: Trash, unique: str, org: MISPOrganisation, user_misp: PyMISP) -> None:
    sg = make_sharing_group(admin, trash, f'Cairn SG visibility {unique}')
    event = new_event(f'Cairn SG event {unique}', distribution=4, sharing_group_id=int(sg.id))
    attr = event.add_attribute('ip-dst', '203.0.113.99', comment='only for the SG')
    event = add_event(admin, trash, event)
    assert event.distribution == 4 and event.sharing_group_id == int(sg.id)
    assert event.SharingGroup.name == sg.name

    # Not a member: invisible (captures 110, 111).
    body = assert_error(user_misp.get_event(event.id), 404)
    assert body['message'] == 'Invalid event'
    assert user_misp.event_exists(event) is False
    assert user_misp.attribute_exists(attr) is False

    # Member: visible, with the sharing group embedded (capture 109).
    assert admin.add_org_to_sharing_group(sg, org)['success'] is True
    assert user_misp.event_exists(event) is True
    seen = user_misp.get_event(event.id, pythonify=True)
    assert isinstance(seen, MISPEvent), seen
    assert seen.uuid == event.uuid and seen.distribution == 4 and seen.sharing_group_id == int(sg.id)
    assert seen.SharingGroup.uuid == sg.uuid
    assert [(a.uuid, a.value) for a in seen.attributes] == [(attr.uuid, '203.0.113.99')]
    assert user_misp.attribute_exists(attr) is True
    assert [e['uuid'] for e in user_misp.search_index(eventinfo=f'Cairn SG event {unique}')] == [event.uuid]

    # Removed again: invisible again.
    assert admin.remove_org_from_sharing_group(sg, org)['success'] is True
    assert user_misp.event_exists(event) is False
    assert_error(user_misp.get_event(event.id), 404)
    assert user_misp.search_index(eventinfo=f'Cairn SG event {unique}') == []
    # The owner always sees it.
    assert admin.event_exists(event) is True
