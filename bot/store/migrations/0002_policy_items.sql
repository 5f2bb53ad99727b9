-- The escalation policy's memory as one row per item (hit record, watch, case, map entry)
-- instead of one JSON blob per guild: a decision writes the few items it changed.
-- `id` keeps insertion order (an upsert of a known key keeps its row), so tuples reload in order.
-- kinds: record, watch, case (JSON objects); resolved, last_alert, last_nudge, seen (JSON
-- strings holding ISO 8601 times). See bot/policy/persist.py.
CREATE TABLE policy_items (
    id       INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    UNIQUE (guild_id, kind, key)
);

-- Existing per-guild blobs ('policy:guild:<id>', version 1) become rows, in their own order.
CREATE TEMP TABLE policy_blobs AS
SELECT CAST(substr(key, 14) AS INTEGER) AS guild_id, value
FROM policy_state
WHERE key LIKE 'policy:guild:%' AND json_valid(value) AND json_extract(value, '$.version') = 1;

INSERT INTO policy_items (guild_id, kind, key, value)
SELECT b.guild_id, 'record', json_extract(j.value, '$.key'), j.value
FROM policy_blobs AS b, json_each(b.value, '$.records') AS j
ORDER BY b.guild_id, j.id;

INSERT INTO policy_items (guild_id, kind, key, value)
SELECT b.guild_id, 'watch', json_extract(j.value, '$.key'), j.value
FROM policy_blobs AS b, json_each(b.value, '$.watches') AS j
ORDER BY b.guild_id, j.id;

INSERT INTO policy_items (guild_id, kind, key, value)
SELECT b.guild_id, 'case', json_extract(j.value, '$.key'), j.value
FROM policy_blobs AS b, json_each(b.value, '$.cases') AS j
ORDER BY b.guild_id, j.id;

INSERT INTO policy_items (guild_id, kind, key, value)
SELECT b.guild_id, m.kind, j.key, json_quote(j.value)
FROM policy_blobs AS b,
     (SELECT 'resolved' AS kind UNION ALL SELECT 'last_alert' UNION ALL SELECT 'last_nudge'
      UNION ALL SELECT 'seen') AS m,
     json_each(b.value, '$.' || m.kind) AS j
ORDER BY b.guild_id, m.kind, j.id;

DELETE FROM policy_state
WHERE key IN (SELECT 'policy:guild:' || guild_id FROM policy_blobs);

DROP TABLE policy_blobs;
