-- Schema version 2: decision ids unique across engines and restarts, and the state
-- an engine must not forget across a restart or keep from the other engines.
--
-- * decisions.decision_id holds the decision's UUID as text (lowercase, hyphenated).
--   Version 1 numbered decisions per engine: those become the UUID whose last 64
--   bits are the number (00000000-0000-0000-0000-00000000002a for 42). The JSON
--   document keeps the number, which the library reads the same way.
-- * feedback: ids of the feedback applied by any engine, so a redelivered feedback
--   is recognised on every engine, after any restart, and counted once.
-- * judgements: proposals operators judged, the record behind `target_precision`,
--   shared by all engines (rows carry the `rev` of their commit, like patterns).

ALTER TABLE decisions ALTER COLUMN decision_id TYPE text USING
    '00000000-0000-0000-' || lpad(to_hex((decision_id >> 48) & 65535), 4, '0') || '-'
    || lpad(to_hex(decision_id & 281474976710655), 12, '0');
CREATE INDEX decisions_by_id ON decisions (decision_id);
CREATE INDEX decisions_by_message ON decisions (message_id) WHERE message_id IS NOT NULL;

CREATE TABLE feedback (
    id  text   PRIMARY KEY,
    at  bigint NOT NULL,
    rev bigint NOT NULL
);

CREATE TABLE judgements (
    id         bigserial PRIMARY KEY,
    rev        bigint           NOT NULL,
    at         bigint           NOT NULL,
    confidence double precision NOT NULL,
    sent       boolean          NOT NULL
);
CREATE INDEX judgements_by_rev ON judgements (rev);
