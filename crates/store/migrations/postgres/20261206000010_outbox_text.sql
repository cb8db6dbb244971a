-- Every change that publishes an event writes its body to the outbox, and the relay only reads
-- it back to publish it as it is: nothing queries inside it. Stored as jsonb, each body was
-- parsed into a tree on the way in (about 40 microseconds for a 10-player `rating.updated`, a
-- tenth of a batch of results' time) and printed again on the way out. As text it is stored
-- and read back as written; Rally writes it from its own event types, so it is valid JSON, and
-- `payload::jsonb` still reads into it. During a rolling upgrade, nodes not yet upgraded keep
-- writing events (PostgreSQL casts the jsonb they send to text on assignment), but their outbox
-- relays cannot read text bodies and fail their turns, logged; the upgraded nodes' relays
-- publish every event.
ALTER TABLE outbox ALTER COLUMN payload TYPE text USING payload::text;
