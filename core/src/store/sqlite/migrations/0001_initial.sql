-- Schema version 1 of a pattern-learning store.
--
-- Times are milliseconds since the Unix epoch (UTC): in sqlite3, read them with
-- datetime(created_at / 1000, 'unixepoch'). Flags are 0/1. Lists and documents are
-- JSON text: use json_each(trigger_examples), json_extract(state, '$.is_active').

-- Facts about the file itself: schema_version, the library that created it, ...
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The current state of every pattern, one row per pattern (soft-deleted ones too).
CREATE TABLE patterns (
    id                INTEGER PRIMARY KEY,
    topic             TEXT    NOT NULL,
    signature         TEXT    NOT NULL,
    trigger_examples  TEXT    NOT NULL CHECK (json_valid(trigger_examples)),
    trigger_keywords  TEXT    NOT NULL CHECK (json_valid(trigger_keywords)),
    response_template TEXT    NOT NULL,
    action_template   TEXT             CHECK (action_template IS NULL OR json_valid(action_template)),
    confidence        REAL    NOT NULL,
    is_active         INTEGER NOT NULL CHECK (is_active IN (0, 1)),
    auto_executable   INTEGER NOT NULL CHECK (auto_executable IN (0, 1)),
    is_deleted        INTEGER NOT NULL CHECK (is_deleted IN (0, 1)),
    execution_count   INTEGER NOT NULL CHECK (execution_count >= 0),
    success_count     INTEGER NOT NULL CHECK (success_count >= 0),
    failure_count     INTEGER NOT NULL CHECK (failure_count >= 0),
    override_count    INTEGER NOT NULL CHECK (override_count >= 0),
    provenance        TEXT    NOT NULL,
    v1_signature      TEXT,
    created_at        INTEGER NOT NULL,
    last_used         INTEGER,
    last_modified     INTEGER NOT NULL
);

-- Messages for which a pattern's reply was rejected, in the order they came.
CREATE TABLE rejections (
    id         INTEGER PRIMARY KEY,
    pattern_id INTEGER NOT NULL REFERENCES patterns (id) ON DELETE CASCADE,
    message    TEXT    NOT NULL
);
CREATE INDEX rejections_by_pattern ON rejections (pattern_id);

-- Caller-supplied vectors of trigger examples: little-endian f32, 4 bytes each.
CREATE TABLE vectors (
    pattern_id    INTEGER NOT NULL REFERENCES patterns (id) ON DELETE CASCADE,
    example_index INTEGER NOT NULL CHECK (example_index >= 0),
    vector        BLOB    NOT NULL CHECK (length(vector) % 4 = 0),
    PRIMARY KEY (pattern_id, example_index)
);

-- The append-only history of every pattern change. Events outlive their pattern.
-- state is the pattern's flags and counters after the change; full_pattern the whole
-- pattern, on creation and content updates. state_confidence and full_confidence are
-- exact copies of the confidences inside them (JSON text may round the last digit).
CREATE TABLE events (
    seq              INTEGER PRIMARY KEY,
    pattern_id       INTEGER NOT NULL,
    kind             TEXT    NOT NULL,
    at               INTEGER NOT NULL,
    actor            TEXT,
    old_confidence   REAL,
    new_confidence   REAL    NOT NULL,
    message          TEXT,
    state            TEXT    NOT NULL CHECK (json_valid(state)),
    state_confidence REAL    NOT NULL,
    full_pattern     TEXT             CHECK (full_pattern IS NULL OR json_valid(full_pattern)),
    full_confidence  REAL
);
CREATE INDEX events_by_pattern ON events (pattern_id, seq);

-- The append-only log of decisions.
CREATE TABLE decisions (
    seq             INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    decision_id     INTEGER NOT NULL,
    message_id      TEXT,
    conversation_id TEXT,
    message         TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    pattern_id      INTEGER,
    confidence      REAL    NOT NULL,
    response        TEXT,
    evidence        TEXT    NOT NULL CHECK (json_valid(evidence))
);

-- Settings documents by key: config, safety_thresholds, safety_settings.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL CHECK (json_valid(value))
) WITHOUT ROWID;

-- Per-conversation guard state (opaque JSON owned by the engine).
CREATE TABLE conversations (
    conversation_id TEXT PRIMARY KEY NOT NULL,
    state           TEXT NOT NULL CHECK (json_valid(state))
) WITHOUT ROWID;
