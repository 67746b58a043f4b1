-- Travel history, schema 1. The same SQL runs on SQLite and PostgreSQL.
-- Identifiers are keyed pseudonyms (hex); times are whole seconds since
-- 1970-01-01 UTC of the flight's first departure (event time).

-- One traveler on one flight. The primary key makes a second screening of
-- the same traveler on the same flight an update, never a second event.
CREATE TABLE travel_event (
    flight_key TEXT NOT NULL,
    traveler TEXT NOT NULL,
    event_time BIGINT NOT NULL,
    document TEXT,
    purchaser TEXT,
    purchaser_travels BOOLEAN NOT NULL,
    contact TEXT,
    minor BOOLEAN NOT NULL,
    PRIMARY KEY (flight_key, traveler)
);

-- Each window count reads one of these indexes only (they cover the columns
-- counted), from the key to the window's first second.
CREATE INDEX travel_event_by_purchaser
    ON travel_event (purchaser, event_time, traveler, minor)
    WHERE purchaser IS NOT NULL;
CREATE INDEX travel_event_by_contact
    ON travel_event (contact, event_time, traveler)
    WHERE contact IS NOT NULL;
CREATE INDEX travel_event_by_traveler
    ON travel_event (traveler, event_time);
CREATE INDEX travel_event_by_time
    ON travel_event (event_time);

-- An unrelated adult who flew with a minor. Kept for minors only: no rule
-- field reads the companions of adults, so they are not stored.
CREATE TABLE minor_companion (
    flight_key TEXT NOT NULL,
    traveler TEXT NOT NULL,
    companion TEXT NOT NULL,
    event_time BIGINT NOT NULL,
    PRIMARY KEY (flight_key, traveler, companion)
);

CREATE INDEX minor_companion_by_traveler
    ON minor_companion (traveler, event_time, companion);
CREATE INDEX minor_companion_by_companion
    ON minor_companion (companion);
CREATE INDEX minor_companion_by_time
    ON minor_companion (event_time);
