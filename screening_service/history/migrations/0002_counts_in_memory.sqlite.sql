-- Travel history, schema 2 on SQLite: the counts are read from an index each
-- process keeps in memory (history/mirror.py), so the per-key indexes of
-- schema 1 are dropped: each one cost a random page write per traveler at
-- every commit, most of the history's share of the screening cost. A
-- process learns what others wrote from the change number every write
-- transaction stamps on its rows (and keeps in history_state); a forget or a
-- purge is announced there too. A purge takes the old events' keys from the
-- in-memory index (or scans, from the command line), so events need no time
-- index either.

DROP INDEX travel_event_by_purchaser;
DROP INDEX travel_event_by_contact;
DROP INDEX travel_event_by_traveler;
DROP INDEX travel_event_by_time;
DROP INDEX minor_companion_by_traveler;
DROP INDEX minor_companion_by_companion;

ALTER TABLE travel_event ADD COLUMN change BIGINT NOT NULL DEFAULT 0;
ALTER TABLE minor_companion ADD COLUMN change BIGINT NOT NULL DEFAULT 0;
CREATE INDEX travel_event_by_change ON travel_event (change);
CREATE INDEX minor_companion_by_change ON minor_companion (change);

-- One row. change: the newest write transaction's number. erased: the change
-- of the newest forget (every process then reloads its index). purged_before:
-- the newest purge horizon, epoch seconds (every process drops older events).
CREATE TABLE history_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    change BIGINT NOT NULL,
    erased BIGINT NOT NULL,
    purged_before BIGINT NOT NULL
);
INSERT INTO history_state (id, change, erased, purged_before) VALUES (1, 0, 0, 0);
