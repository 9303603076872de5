-- Correlation (spec/model.md 5.7): one row per distinct correlation key, one posting per
-- (key, attribute), one address range per IP attribute for CIDR containment, and the
-- exclusion list. No pair is ever stored; the ACL is applied when reading.

CREATE TABLE correlation_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_hash VARCHAR(32) NOT NULL UNIQUE,
    value TEXT NOT NULL,
    occurrence BIGINT NOT NULL DEFAULT 0,
    excluded BOOLEAN NOT NULL DEFAULT 0
);

CREATE TABLE correlation_postings (
    value_id BIGINT NOT NULL,
    attribute_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (value_id, attribute_id)
) WITHOUT ROWID;
CREATE INDEX correlation_postings_attribute_id ON correlation_postings (attribute_id);
CREATE INDEX correlation_postings_event_id ON correlation_postings (event_id);

-- lo/hi: the 16-byte address (IPv4 mapped into ::ffff:0:0/96) as 32 lowercase hex digits,
-- so that text comparison is numeric comparison.
CREATE TABLE correlation_ranges (
    attribute_id BIGINT NOT NULL PRIMARY KEY,
    event_id BIGINT NOT NULL,
    value_id BIGINT NOT NULL,
    family BIGINT NOT NULL,
    is_cidr BOOLEAN NOT NULL,
    lo VARCHAR(32) NOT NULL,
    hi VARCHAR(32) NOT NULL
);
CREATE INDEX correlation_ranges_lookup ON correlation_ranges (family, is_cidr, lo);
CREATE INDEX correlation_ranges_event_id ON correlation_ranges (event_id);

CREATE TABLE correlation_exclusions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    value TEXT NOT NULL,
    from_json BOOLEAN NOT NULL DEFAULT 0,
    comment TEXT
);
