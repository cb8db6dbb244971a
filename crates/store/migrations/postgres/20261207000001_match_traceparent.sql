-- The W3C trace context of the span that made the match, so the work that follows from the
-- match in another trace (its result, its rating update) links back to it. Null for matches
-- made before traces were kept, or by a node that exports none.
ALTER TABLE matches ADD COLUMN traceparent TEXT;
