-- Schema version 1 of a pattern-learning PostgreSQL store (inside its own schema,
-- `pattern_learning` by default).
--
-- Times are milliseconds since the Unix epoch (UTC): read them with
-- to_timestamp(at / 1000.0). Patterns, events and decisions are kept whole as
-- JSONB documents (the same serde form as the library's types); the columns beside
-- them are copies for people and indexes.

-- Facts about the store: schema_version, the library that created it.
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- One row. Every commit updates it first: the row lock orders commits, `rev`
-- numbers them (rows written by a commit carry its `rev`), and the event and
-- decision `seq` numbers are taken from it, so they grow in commit order with no
-- gap a reader could overtake.
CREATE TABLE head (
    one          boolean PRIMARY KEY DEFAULT true CHECK (one),
    rev          bigint  NOT NULL DEFAULT 0,
    event_seq    bigint  NOT NULL DEFAULT 0,
    decision_seq bigint  NOT NULL DEFAULT 0
);
INSERT INTO head DEFAULT VALUES;

-- The current state of every pattern (soft-deleted ones too).
CREATE TABLE patterns (
    id           bigint  PRIMARY KEY,
    rev          bigint  NOT NULL,
    topic        text    NOT NULL,
    signature    text    NOT NULL,
    v1_signature text,
    confidence   double precision NOT NULL,
    is_active    boolean NOT NULL,
    is_deleted   boolean NOT NULL,
    pattern      jsonb   NOT NULL
);
CREATE INDEX patterns_by_rev ON patterns (rev);

-- Patterns removed for good (rolled-back creations), so other engines drop them.
CREATE TABLE removed_patterns (
    pattern_id bigint NOT NULL,
    rev        bigint NOT NULL
);
CREATE INDEX removed_patterns_by_rev ON removed_patterns (rev);

-- Messages for which a pattern's reply was rejected, in the order they came.
CREATE TABLE rejections (
    id         bigserial PRIMARY KEY,
    pattern_id bigint NOT NULL REFERENCES patterns (id) ON DELETE CASCADE,
    message    text   NOT NULL
);
CREATE INDEX rejections_by_pattern ON rejections (pattern_id, id);

-- Caller-supplied vectors of trigger examples.
CREATE TABLE vectors (
    pattern_id    bigint  NOT NULL REFERENCES patterns (id) ON DELETE CASCADE,
    example_index integer NOT NULL CHECK (example_index >= 0),
    vector        real[]  NOT NULL,
    PRIMARY KEY (pattern_id, example_index)
);

-- The append-only history of every pattern change. Events outlive their pattern.
CREATE TABLE events (
    seq        bigint PRIMARY KEY,
    pattern_id bigint NOT NULL,
    kind       text   NOT NULL,
    at         bigint NOT NULL,
    event      jsonb  NOT NULL
);
CREATE INDEX events_by_pattern ON events (pattern_id, seq);

-- The append-only log of decisions.
CREATE TABLE decisions (
    seq             bigint PRIMARY KEY,
    at              bigint NOT NULL,
    decision_id     bigint NOT NULL,
    message_id      text,
    conversation_id text,
    action          text   NOT NULL,
    reason          text   NOT NULL,
    pattern_id      bigint,
    decision        jsonb  NOT NULL
);

-- Settings documents by key; a deleted key stays as a JSON null (so other engines
-- learn of the deletion) and is not loaded.
CREATE TABLE settings (
    key   text   PRIMARY KEY,
    rev   bigint NOT NULL,
    value jsonb  NOT NULL
);

-- Per-conversation guard state (opaque JSON owned by the engine); deletion as above.
CREATE TABLE conversations (
    conversation_id text   PRIMARY KEY,
    rev             bigint NOT NULL,
    state           jsonb  NOT NULL
);
CREATE INDEX conversations_by_rev ON conversations (rev);

-- Every automatic send granted, for the caps shared by all engines.
CREATE TABLE sends (
    id              bigserial PRIMARY KEY,
    at              bigint NOT NULL,
    message_id      text UNIQUE,
    conversation_id text,
    pattern_id      bigint
);
CREATE INDEX sends_by_at ON sends (at);
CREATE INDEX sends_by_conversation ON sends (conversation_id, pattern_id);
