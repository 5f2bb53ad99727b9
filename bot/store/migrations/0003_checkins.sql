-- Check-ins: the one private, kind message a targeted colleague gets when a targeted-colleague
-- or pile-on pattern is raised. At most one per member, pattern and week: the last one sent is
-- looked up here, so the limit survives a restart.
CREATE TABLE checkins (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    pattern    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX checkins_member ON checkins (guild_id, member_id, pattern, created_at);
