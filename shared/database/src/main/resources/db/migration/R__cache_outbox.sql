-- The caching library's invalidation outbox (shared/database, Outbox and OutboxRelay). Every service that uses it
-- gets this table from the library's jar; a repeatable migration, so that it never takes a version number that a
-- service's own migrations might want.
--
-- A row is one thing a committed change owes Redis: the entry `item` of the cache (or the channel) `target`. It is
-- written in the change's own transaction, so it exists exactly when the change does, and deleted once Redis has
-- it. Rows are few and short-lived: a backlog means Redis has been unreachable. A row its writer could not deliver
-- is `handed_over`: due at once for the relay of every instance, not only once it is `min-age` old.
CREATE TABLE IF NOT EXISTS cache_outbox (
    id          text        PRIMARY KEY,
    target      text        NOT NULL,
    item        text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS cache_outbox_recorded_at ON cache_outbox (recorded_at);
ALTER TABLE cache_outbox ADD COLUMN IF NOT EXISTS handed_over boolean NOT NULL DEFAULT false;
-- The version the change committed, for a cache whose entries carry one (write-through): its delivery supersedes the
-- entry with that version, refusing older ones, where a delete would let a load that read the database before the
-- commit cache its older version afterwards. NULL for the others (and rows from older releases): deleted.
ALTER TABLE cache_outbox ADD COLUMN IF NOT EXISTS version bigint;
