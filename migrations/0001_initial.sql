-- Sessions, messages, agent memory, audit log and tokens (SPEC §5, §7, §8, §3).
-- Timestamps are fixed-width RFC 3339 UTC text, so text order is time order.

CREATE TABLE sessions (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    purpose     TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    is_active   INTEGER NOT NULL DEFAULT 1,
    metadata    TEXT
);
CREATE INDEX idx_sessions_created_by ON sessions (created_by, seq);
CREATE INDEX idx_sessions_updated_at ON sessions (updated_at);

CREATE TABLE messages (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id         TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    sender             TEXT    NOT NULL,
    sender_type        TEXT    NOT NULL,
    content            TEXT    NOT NULL,
    visibility         TEXT    NOT NULL
        CHECK (visibility IN ('public', 'private', 'agent_only', 'admin_only')),
    message_type       TEXT    NOT NULL DEFAULT 'agent_response',
    metadata           TEXT,
    timestamp          TEXT    NOT NULL,
    parent_message_id  INTEGER REFERENCES messages (id),
    idempotency_key    TEXT
);
-- Covers the visibility columns so counts and visible pages read only the index.
CREATE INDEX idx_messages_session
    ON messages (session_id, id, visibility, sender_type, sender);
CREATE INDEX idx_messages_sender ON messages (session_id, sender, id);
CREATE INDEX idx_messages_time ON messages (session_id, timestamp, id);
CREATE UNIQUE INDEX idx_messages_idempotency
    ON messages (session_id, sender, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- scope is '' for global memory, else the session id; that keeps (agent, scope, key) unique.
CREATE TABLE agent_memory (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id    TEXT    NOT NULL,
    scope       TEXT    NOT NULL DEFAULT '',
    key         TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    metadata    TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    expires_at  TEXT,
    UNIQUE (agent_id, scope, key)
);
CREATE INDEX idx_memory_updated ON agent_memory (agent_id, updated_at);
CREATE INDEX idx_memory_expires ON agent_memory (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp   TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    agent_id    TEXT    NOT NULL,
    session_id  TEXT,
    resource    TEXT,
    action      TEXT,
    result      TEXT    NOT NULL,
    metadata    TEXT
);
CREATE INDEX idx_audit_timestamp ON audit_log (timestamp);
CREATE INDEX idx_audit_session ON audit_log (session_id, id);
CREATE INDEX idx_audit_agent ON audit_log (agent_id, id);
CREATE INDEX idx_audit_event ON audit_log (event_type, id);

-- Only a SHA-256 hash of each opaque token is stored (§3).
CREATE TABLE auth_tokens (
    token_hash   TEXT PRIMARY KEY,
    agent_id     TEXT NOT NULL,
    agent_type   TEXT NOT NULL,
    permissions  TEXT NOT NULL,
    issued_at    TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX idx_tokens_expires ON auth_tokens (expires_at);
