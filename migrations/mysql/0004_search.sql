-- restSearch: exact value lookups on either half, and attributes per event in export order.
-- TEXT columns are indexed on a prefix; equality still compares the whole value.
CREATE INDEX attributes_value1 ON attributes (value1(255));
CREATE INDEX attributes_value2 ON attributes (value2(255));
CREATE INDEX attributes_type ON attributes (type);
CREATE INDEX attributes_timestamp ON attributes (timestamp);
CREATE INDEX attributes_event_object ON attributes (event_id, object_id);
