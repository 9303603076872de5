-- restSearch: exact value lookups on either half, and attributes per event in export order.
CREATE INDEX attributes_value1 ON attributes (value1);
CREATE INDEX attributes_value2 ON attributes (value2);
CREATE INDEX attributes_type ON attributes (type);
CREATE INDEX attributes_timestamp ON attributes (timestamp);
CREATE INDEX attributes_event_object ON attributes (event_id, object_id);
