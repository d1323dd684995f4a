-- Schema version 2: decision ids unique across engines and restarts, and the state
-- an engine must not forget across a restart.
--
-- * decisions.decision_id holds the decision's UUID as text (lowercase, hyphenated).
--   Version 1 numbered decisions per engine (1, 2, ...): those become the UUID whose
--   last 64 bits are the number (00000000-0000-0000-0000-00000000002a for 42).
-- * feedback: the ids of the feedback applied, so one delivered again after a restart
--   is recognised and not counted twice.
-- * judgements: proposals operators judged (decision confidence, sent or not), the
--   record behind `target_precision`.

ALTER TABLE decisions RENAME TO decisions_v1;

CREATE TABLE decisions (
    seq             INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    decision_id     TEXT    NOT NULL,
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

INSERT INTO decisions
SELECT seq, at,
       printf('00000000-0000-0000-%04x-%012x',
              (decision_id >> 48) & 65535, decision_id & 281474976710655),
       message_id, conversation_id, message, action, reason, pattern_id, confidence,
       response, evidence
FROM decisions_v1;

DROP TABLE decisions_v1;

CREATE INDEX decisions_by_id ON decisions (decision_id);
CREATE INDEX decisions_by_message ON decisions (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX decisions_by_action ON decisions (action, at);

CREATE TABLE feedback (
    id TEXT    PRIMARY KEY NOT NULL,
    at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE judgements (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    confidence REAL    NOT NULL,
    sent       INTEGER NOT NULL CHECK (sent IN (0, 1))
);
