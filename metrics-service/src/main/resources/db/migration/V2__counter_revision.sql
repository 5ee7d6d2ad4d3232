-- Write-behind now flushes a value as it is at flush time, under the log entry that names it dirty; the entry may
-- flush the value more than once (written again meanwhile, or replayed after a crash), so a row's version is the
-- entry id and the value's revision (its count of writes in Redis). A row is only ever replaced by a newer version.
ALTER TABLE item_counter ADD COLUMN revision bigint NOT NULL DEFAULT 0;
