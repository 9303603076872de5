-- Foundation: the instance, organisations, roles, users and API keys.
-- MySQL: utf8mb4_bin so comparisons are exact as on the other backends.
-- Times are Unix epoch seconds (BIGINT), UUIDs lowercase CHAR(36), flags BOOLEAN, JSON as TEXT.

CREATE TABLE instance (
    id BIGINT PRIMARY KEY,
    uuid CHAR(36) NOT NULL,
    secret VARCHAR(128) NOT NULL,
    created BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE organisations (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    uuid CHAR(36) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL UNIQUE,
    date_created BIGINT NOT NULL,
    date_modified BIGINT NOT NULL,
    description TEXT,
    type VARCHAR(255),
    nationality VARCHAR(255),
    sector VARCHAR(255),
    created_by BIGINT NOT NULL DEFAULT 0,
    contacts TEXT,
    local BOOLEAN NOT NULL DEFAULT 1,
    restricted_to_domain TEXT,
    landingpage TEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE roles (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL UNIQUE,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    perm_add BOOLEAN NOT NULL DEFAULT 0,
    perm_modify BOOLEAN NOT NULL DEFAULT 0,
    perm_modify_org BOOLEAN NOT NULL DEFAULT 0,
    perm_publish BOOLEAN NOT NULL DEFAULT 0,
    perm_delegate BOOLEAN NOT NULL DEFAULT 0,
    perm_sync BOOLEAN NOT NULL DEFAULT 0,
    perm_admin BOOLEAN NOT NULL DEFAULT 0,
    perm_audit BOOLEAN NOT NULL DEFAULT 0,
    perm_full BOOLEAN NOT NULL DEFAULT 0,
    perm_auth BOOLEAN NOT NULL DEFAULT 0,
    perm_site_admin BOOLEAN NOT NULL DEFAULT 0,
    perm_regexp_access BOOLEAN NOT NULL DEFAULT 0,
    perm_tagger BOOLEAN NOT NULL DEFAULT 0,
    perm_template BOOLEAN NOT NULL DEFAULT 0,
    perm_sharing_group BOOLEAN NOT NULL DEFAULT 0,
    perm_tag_editor BOOLEAN NOT NULL DEFAULT 0,
    perm_sighting BOOLEAN NOT NULL DEFAULT 0,
    perm_object_template BOOLEAN NOT NULL DEFAULT 0,
    default_role BOOLEAN NOT NULL DEFAULT 0,
    memory_limit VARCHAR(255),
    max_execution_time VARCHAR(255),
    restricted_to_site_admin BOOLEAN NOT NULL DEFAULT 0,
    perm_publish_zmq BOOLEAN NOT NULL DEFAULT 0,
    perm_publish_kafka BOOLEAN NOT NULL DEFAULT 0,
    perm_decaying BOOLEAN NOT NULL DEFAULT 0,
    enforce_rate_limit BOOLEAN NOT NULL DEFAULT 0,
    rate_limit_count BIGINT NOT NULL DEFAULT 0,
    perm_galaxy_editor BOOLEAN NOT NULL DEFAULT 0,
    perm_warninglist BOOLEAN NOT NULL DEFAULT 0,
    perm_view_feed_correlations BOOLEAN NOT NULL DEFAULT 0,
    perm_analyst_data BOOLEAN NOT NULL DEFAULT 0,
    perm_skip_otp BOOLEAN NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE users (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(255) NOT NULL UNIQUE,
    password TEXT,
    org_id BIGINT NOT NULL,
    role_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL DEFAULT 0,
    autoalert BOOLEAN NOT NULL DEFAULT 0,
    invited_by BIGINT NOT NULL DEFAULT 0,
    gpgkey TEXT,
    certif_public TEXT,
    nids_sid BIGINT NOT NULL DEFAULT 0,
    termsaccepted BOOLEAN NOT NULL DEFAULT 0,
    newsread BIGINT NOT NULL DEFAULT 0,
    change_pw BOOLEAN NOT NULL DEFAULT 0,
    contactalert BOOLEAN NOT NULL DEFAULT 0,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    expiration BIGINT,
    current_login BIGINT NOT NULL DEFAULT 0,
    last_login BIGINT NOT NULL DEFAULT 0,
    force_logout BOOLEAN NOT NULL DEFAULT 0,
    date_created BIGINT,
    date_modified BIGINT NOT NULL DEFAULT 0,
    sub VARCHAR(255) UNIQUE,
    external_auth_required BOOLEAN NOT NULL DEFAULT 0,
    external_auth_key TEXT,
    last_api_access BIGINT NOT NULL DEFAULT 0,
    notification_daily BOOLEAN NOT NULL DEFAULT 0,
    notification_weekly BOOLEAN NOT NULL DEFAULT 0,
    notification_monthly BOOLEAN NOT NULL DEFAULT 0,
    totp VARCHAR(255),
    hotp_counter BIGINT,
    last_pw_change BIGINT,
    FOREIGN KEY (org_id) REFERENCES organisations(id),
    FOREIGN KEY (role_id) REFERENCES roles(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX users_org_id ON users (org_id);

CREATE TABLE auth_keys (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    uuid CHAR(36) NOT NULL UNIQUE,
    key_hash CHAR(64) NOT NULL UNIQUE,
    authkey_start CHAR(4) NOT NULL,
    authkey_end CHAR(4) NOT NULL,
    created BIGINT NOT NULL,
    expiration BIGINT NOT NULL DEFAULT 0,
    read_only BOOLEAN NOT NULL DEFAULT 0,
    user_id BIGINT NOT NULL,
    comment TEXT,
    allowed_ips TEXT,
    unique_ips TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX auth_keys_user_id ON auth_keys (user_id);
