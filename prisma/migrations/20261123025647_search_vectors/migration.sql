-- AlterTable
ALTER TABLE "conversation_chunks" ADD COLUMN     "search_vector" tsvector;

-- AlterTable
ALTER TABLE "memories" ADD COLUMN     "search_vector" tsvector;

-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "search_vector" tsvector;

-- ───────────── written by hand: keeping the search vectors and indexing them ─────────────

-- Stored tsvectors, so ranking a full-text match does not re-parse every matching text. Triggers keep
-- them current (Prisma does not model generated columns).
CREATE FUNCTION "messages_search_vector"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."search_vector" := to_tsvector('english', NEW."content");
  RETURN NEW;
END $$;
CREATE TRIGGER "messages_search_vector" BEFORE INSERT OR UPDATE OF "content" ON "messages"
  FOR EACH ROW EXECUTE FUNCTION "messages_search_vector"();

CREATE FUNCTION "conversation_chunks_search_vector"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."search_vector" := to_tsvector('english', NEW."chunk_text");
  RETURN NEW;
END $$;
CREATE TRIGGER "conversation_chunks_search_vector" BEFORE INSERT OR UPDATE OF "chunk_text" ON "conversation_chunks"
  FOR EACH ROW EXECUTE FUNCTION "conversation_chunks_search_vector"();

CREATE FUNCTION "memories_search_vector"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."search_vector" := to_tsvector('english', coalesce(NEW."summary", '') || ' ' || NEW."content");
  RETURN NEW;
END $$;
CREATE TRIGGER "memories_search_vector" BEFORE INSERT OR UPDATE OF "summary", "content" ON "memories"
  FOR EACH ROW EXECUTE FUNCTION "memories_search_vector"();

-- Fill them for rows that already exist.
UPDATE "messages" SET "search_vector" = to_tsvector('english', "content");
UPDATE "conversation_chunks" SET "search_vector" = to_tsvector('english', "chunk_text");
UPDATE "memories" SET "search_vector" = to_tsvector('english', coalesce("summary", '') || ' ' || "content");

-- The GIN indexes move from the expressions to the stored vectors.
DROP INDEX "messages_content_fts";
DROP INDEX "conversation_chunks_chunk_text_fts";
DROP INDEX "memories_content_fts";
CREATE INDEX "messages_search_fts" ON "messages" USING gin ("search_vector");
CREATE INDEX "conversation_chunks_search_fts" ON "conversation_chunks" USING gin ("search_vector");
CREATE INDEX "memories_search_fts" ON "memories" USING gin ("search_vector");
