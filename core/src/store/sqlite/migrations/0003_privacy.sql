-- Schema version 3: erasure of one customer's data, and retention.
--
-- * erasures: the erasure log, one row per erasure of a customer's data or
--   retention run: when (`at`), why (`kind`: customer or retention) and how many
--   rows of each kind it erased (`counts`, JSON: decisions, examples, rejections,
--   events, conversations, sends, nearest_examples). Never whom.
-- * decisions_by_time: retention finds the decisions older than its period.
--
-- Erased text is overwritten in the file itself: the store runs with
-- `PRAGMA secure_delete = ON` (set per connection, not stored here).

CREATE TABLE erasures (
    seq    INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    kind   TEXT    NOT NULL CHECK (kind IN ('customer', 'retention')),
    counts TEXT    NOT NULL CHECK (json_valid(counts))
);

CREATE INDEX decisions_by_time ON decisions (at);
