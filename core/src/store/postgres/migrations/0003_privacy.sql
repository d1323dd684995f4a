-- Schema version 3: erasure of one customer's data, and retention.
--
-- * erasures: the erasure log, one row per erasure of a customer's data or
--   retention run: when (`at`), why (`kind`: customer or retention) and how many
--   rows of each kind it erased (`counts`: decisions, examples, rejections,
--   events, conversations, sends, nearest_examples). Never whom. Rows carry the
--   `rev` of their commit: an engine that sees one written by another engine
--   forgets, in its memory, the conversations the store no longer keeps.
-- * Erased conversation states are deleted, not kept as `null` like other
--   deleted documents (their ids are the customer's); an erasure also deletes the
--   `null` rows left by earlier deletions.
-- * decisions_by_time: retention finds the decisions older than its period.

CREATE TABLE erasures (
    id     bigserial PRIMARY KEY,
    rev    bigint NOT NULL,
    at     bigint NOT NULL,
    kind   text   NOT NULL CHECK (kind IN ('customer', 'retention')),
    counts jsonb  NOT NULL
);
CREATE INDEX erasures_by_rev ON erasures (rev);

CREATE INDEX decisions_by_time ON decisions (at);
