-- The event model: sharing groups, events, objects, attributes, references, reports, tags,
-- and the event blocklist. MySQL: utf8mb4_bin, foreign keys as table constraints. Absent parents are 0 (sharing_group_id, object_id), as on the wire.

CREATE TABLE sharing_groups (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    uuid CHAR(36) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL UNIQUE,
    releasability TEXT,
    description TEXT,
    organisation_uuid CHAR(36) NOT NULL,
    org_id BIGINT NOT NULL,
    sync_user_id BIGINT NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    local BOOLEAN NOT NULL DEFAULT 1,
    roaming BOOLEAN NOT NULL DEFAULT 0,
    FOREIGN KEY (org_id) REFERENCES organisations(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sharing_group_orgs (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    sharing_group_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    extend BOOLEAN NOT NULL DEFAULT 0,
    FOREIGN KEY (sharing_group_id) REFERENCES sharing_groups(id) ON DELETE CASCADE,
    FOREIGN KEY (org_id) REFERENCES organisations(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX sharing_group_orgs_org_sg ON sharing_group_orgs (org_id, sharing_group_id);
CREATE INDEX sharing_group_orgs_sg ON sharing_group_orgs (sharing_group_id);

CREATE TABLE sharing_group_servers (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    sharing_group_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL DEFAULT 0,
    all_orgs BOOLEAN NOT NULL DEFAULT 0,
    FOREIGN KEY (sharing_group_id) REFERENCES sharing_groups(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX sharing_group_servers_sg_server ON sharing_group_servers (sharing_group_id, server_id);

CREATE TABLE events (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    uuid CHAR(36) NOT NULL UNIQUE,
    org_id BIGINT NOT NULL,
    orgc_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL DEFAULT 0,
    date CHAR(10) NOT NULL,
    info TEXT NOT NULL,
    threat_level_id BIGINT NOT NULL DEFAULT 4,
    analysis BIGINT NOT NULL DEFAULT 0,
    distribution BIGINT NOT NULL DEFAULT 0,
    sharing_group_id BIGINT NOT NULL DEFAULT 0,
    published BOOLEAN NOT NULL DEFAULT 0,
    timestamp BIGINT NOT NULL,
    publish_timestamp BIGINT NOT NULL DEFAULT 0,
    sighting_timestamp BIGINT NOT NULL DEFAULT 0,
    attribute_count BIGINT NOT NULL DEFAULT 0,
    proposal_email_lock BOOLEAN NOT NULL DEFAULT 0,
    locked BOOLEAN NOT NULL DEFAULT 0,
    disable_correlation BOOLEAN NOT NULL DEFAULT 0,
    extends_uuid VARCHAR(40) NOT NULL DEFAULT '',
    protected BOOLEAN,
    FOREIGN KEY (org_id) REFERENCES organisations(id),
    FOREIGN KEY (orgc_id) REFERENCES organisations(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX events_org_id ON events (org_id);
CREATE INDEX events_orgc_id ON events (orgc_id);
CREATE INDEX events_sharing_group_id ON events (sharing_group_id);
CREATE INDEX events_published ON events (published, publish_timestamp);
CREATE INDEX events_timestamp ON events (timestamp);
CREATE INDEX events_date ON events (date);

CREATE TABLE objects (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    uuid CHAR(36) NOT NULL UNIQUE,
    event_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    meta_category VARCHAR(255) NOT NULL DEFAULT '',
    description TEXT,
    template_uuid VARCHAR(40),
    template_version BIGINT NOT NULL DEFAULT 1,
    timestamp BIGINT NOT NULL,
    distribution BIGINT NOT NULL DEFAULT 5,
    sharing_group_id BIGINT NOT NULL DEFAULT 0,
    comment TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    first_seen BIGINT,
    last_seen BIGINT,
    FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX objects_event_id ON objects (event_id);

CREATE TABLE attributes (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    uuid CHAR(36) NOT NULL UNIQUE,
    event_id BIGINT NOT NULL,
    object_id BIGINT NOT NULL DEFAULT 0,
    object_relation VARCHAR(255),
    category VARCHAR(255) NOT NULL,
    type VARCHAR(100) NOT NULL,
    value1 TEXT NOT NULL,
    value2 TEXT NOT NULL,
    to_ids BOOLEAN NOT NULL DEFAULT 1,
    distribution BIGINT NOT NULL DEFAULT 5,
    sharing_group_id BIGINT NOT NULL DEFAULT 0,
    comment TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    disable_correlation BOOLEAN NOT NULL DEFAULT 0,
    timestamp BIGINT NOT NULL,
    first_seen BIGINT,
    last_seen BIGINT,
    FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX attributes_event_id ON attributes (event_id, deleted);
CREATE INDEX attributes_object_id ON attributes (object_id);

CREATE TABLE object_references (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    uuid CHAR(36) NOT NULL UNIQUE,
    timestamp BIGINT NOT NULL,
    object_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    source_uuid CHAR(36) NOT NULL,
    referenced_uuid CHAR(36) NOT NULL,
    referenced_id BIGINT NOT NULL,
    referenced_type BIGINT NOT NULL,
    relationship_type VARCHAR(255) NOT NULL,
    comment TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    FOREIGN KEY (object_id) REFERENCES objects(id) ON DELETE CASCADE,
    FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX object_references_object_id ON object_references (object_id);
CREATE INDEX object_references_event_id ON object_references (event_id);

CREATE TABLE event_reports (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    uuid CHAR(36) NOT NULL UNIQUE,
    event_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    content MEDIUMTEXT,
    distribution BIGINT NOT NULL DEFAULT 5,
    sharing_group_id BIGINT NOT NULL DEFAULT 0,
    timestamp BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX event_reports_event_id ON event_reports (event_id);

CREATE TABLE tags (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    name_lc VARCHAR(255) NOT NULL UNIQUE,
    colour VARCHAR(7) NOT NULL,
    exportable BOOLEAN NOT NULL DEFAULT 1,
    org_id BIGINT NOT NULL DEFAULT 0,
    user_id BIGINT NOT NULL DEFAULT 0,
    hide_tag BOOLEAN NOT NULL DEFAULT 0,
    numerical_value BIGINT,
    is_galaxy BOOLEAN NOT NULL DEFAULT 0,
    is_custom_galaxy BOOLEAN NOT NULL DEFAULT 0,
    local_only BOOLEAN NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE event_tags (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    event_id BIGINT NOT NULL,
    tag_id BIGINT NOT NULL,
    local BOOLEAN NOT NULL DEFAULT 0,
    relationship_type VARCHAR(255),
    FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE,
    FOREIGN KEY (tag_id) REFERENCES tags(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX event_tags_event_tag ON event_tags (event_id, tag_id);
CREATE INDEX event_tags_tag_id ON event_tags (tag_id);

CREATE TABLE attribute_tags (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    attribute_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    tag_id BIGINT NOT NULL,
    local BOOLEAN NOT NULL DEFAULT 0,
    relationship_type VARCHAR(255),
    FOREIGN KEY (attribute_id) REFERENCES attributes(id) ON DELETE CASCADE,
    FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE,
    FOREIGN KEY (tag_id) REFERENCES tags(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX attribute_tags_attribute_tag ON attribute_tags (attribute_id, tag_id);
CREATE INDEX attribute_tags_event_id ON attribute_tags (event_id);
CREATE INDEX attribute_tags_tag_id ON attribute_tags (tag_id);

CREATE TABLE event_blocklists (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    event_uuid CHAR(36) NOT NULL UNIQUE,
    created BIGINT NOT NULL,
    event_info TEXT,
    comment TEXT,
    event_orgc VARCHAR(255)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
