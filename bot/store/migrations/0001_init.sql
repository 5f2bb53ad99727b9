-- Upstander schema, version 1.
-- Applied inside one transaction by bot/store/migrate.py, which also sets PRAGMA user_version.
-- All timestamps are ISO-8601 UTC text with microseconds ("2024-05-01T12:00:00.000000+00:00"),
-- so that text order is time order. Discord ids are INTEGER (snowflakes fit in 63 bits).

-- Free text written by people (message snapshots, edits, report reasons, notes) and sealed ids.
-- The audit chain holds only `digest` = sha256(nonce || body); erase and retention null `body`
-- and `nonce`, which leaves the chain verifiable and the erased text unguessable from its digest.
CREATE TABLE texts (
    digest        TEXT PRIMARY KEY,
    nonce         TEXT,
    body          TEXT,
    kind          TEXT NOT NULL CHECK (kind IN ('message', 'edit', 'reason', 'note', 'reporter')),
    author_id     INTEGER,
    created_at    TEXT NOT NULL,
    audit_seq     INTEGER,
    erased_at     TEXT,
    erased_reason TEXT,
    CHECK ((body IS NULL) = (nonce IS NULL))
) WITHOUT ROWID;
CREATE INDEX texts_author ON texts (author_id);
CREATE INDEX texts_created ON texts (created_at) WHERE body IS NOT NULL;

CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 0,
    author_id     INTEGER NOT NULL,
    link          TEXT NOT NULL,
    text_digest   TEXT NOT NULL REFERENCES texts (digest),
    verdict       TEXT NOT NULL,
    category      TEXT,
    severity      TEXT,
    rules_version TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    deleted_at    TEXT,
    audit_seq     INTEGER NOT NULL,
    UNIQUE (guild_id, message_id, version)
);
CREATE INDEX incidents_author ON incidents (guild_id, author_id, created_at);
CREATE INDEX incidents_created ON incidents (guild_id, created_at);

CREATE TABLE incident_edits (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    text_digest TEXT NOT NULL REFERENCES texts (digest),
    edited_at   TEXT NOT NULL,
    audit_seq   INTEGER NOT NULL
);
CREATE INDEX incident_edits_incident ON incident_edits (incident_id);

CREATE TABLE nudges (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    incident_id  INTEGER REFERENCES incidents (id),
    recipient_id INTEGER NOT NULL,
    via          TEXT NOT NULL CHECK (via IN ('dm', 'channel')),
    body         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN
                     ('pending', 'delivered', 'dms_closed', 'blocked', 'failed')),
    detail       TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX nudges_recipient ON nudges (guild_id, recipient_id);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    pattern         TEXT NOT NULL,
    subject_id      INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    outcome         TEXT CHECK (outcome IN ('action_taken', 'no_action', 'false_positive')),
    assigned_to     INTEGER,
    opened_at       TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by INTEGER,
    resolved_at     TEXT,
    resolved_by     INTEGER,
    CHECK ((state = 'resolved') = (outcome IS NOT NULL))
);
-- At most one unresolved case per pattern and subject: escalation adds to it.
CREATE UNIQUE INDEX cases_one_open ON cases (guild_id, pattern, subject_id)
    WHERE state != 'resolved';
CREATE INDEX cases_subject ON cases (guild_id, subject_id);

CREATE TABLE case_incidents (
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    added_at    TEXT NOT NULL,
    PRIMARY KEY (case_id, incident_id)
) WITHOUT ROWID;

CREATE TABLE case_notes (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    author_id   INTEGER NOT NULL,
    text_digest TEXT NOT NULL REFERENCES texts (digest),
    created_at  TEXT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id);

CREATE TABLE escalations (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    to_user_id    INTEGER,
    to_channel_id INTEGER,
    reason        TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX escalations_case ON escalations (case_id);

CREATE TABLE reports (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    channel_id         INTEGER NOT NULL,
    message_id         INTEGER NOT NULL,
    reported_id        INTEGER NOT NULL,
    reporter_id        INTEGER NOT NULL,
    moderator_id       INTEGER NOT NULL,
    link               TEXT NOT NULL,
    text_digest        TEXT NOT NULL REFERENCES texts (digest),
    reason_digest      TEXT REFERENCES texts (digest),
    case_id            INTEGER REFERENCES cases (id),
    created_at         TEXT NOT NULL
);
CREATE INDEX reports_reported ON reports (guild_id, reported_id);

CREATE TABLE watches (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    report_id    INTEGER REFERENCES reports (id),
    watched_id   INTEGER NOT NULL,
    protected_id INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX watches_watched ON watches (guild_id, watched_id, expires_at);

CREATE TABLE member_notes (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    author_id   INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('note', 'warning')),
    text_digest TEXT NOT NULL REFERENCES texts (digest),
    created_at  TEXT NOT NULL
);
CREATE INDEX member_notes_member ON member_notes (guild_id, member_id);

-- Decaying counters and other state of the (pure) escalation policy, as JSON.
CREATE TABLE policy_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- The hash chain. hash = sha256(canonical JSON of {action, actor, details, prev, seq, subject,
-- ts}); prev is the previous entry's hash ("0" * 64 for entry 1). See bot/store/audit.py.
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY,
    ts      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
CREATE INDEX audit_log_ts ON audit_log (ts);

-- The newest entry, kept beside the chain so that deleting entries from its end is noticed.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Erase and retention null a text's body; the row itself stays, so the chain's digest resolves.
CREATE TRIGGER texts_no_delete BEFORE DELETE ON texts
BEGIN
    SELECT RAISE(ABORT, 'texts are erased (body set to NULL), never deleted');
END;
