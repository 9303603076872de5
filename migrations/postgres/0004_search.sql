-- restSearch: exact value lookups on either half, and attributes per event in export order.
-- Hash indexes: values may exceed a btree entry's size limit and are only compared for equality.
CREATE INDEX attributes_value1 ON attributes USING hash (value1);
CREATE INDEX attributes_value2 ON attributes USING hash (value2);
CREATE INDEX attributes_type ON attributes (type);
CREATE INDEX attributes_timestamp ON attributes (timestamp);
CREATE INDEX attributes_event_object ON attributes (event_id, object_id);
