-- Chunks carry their owner (so vector search filters by owner without a join) and, when cut from one
-- message, that message (so message search can go through its chunks).

-- AlterTable: add the owner as nullable, fill it from the conversation, then require it.
ALTER TABLE "conversation_chunks" ADD COLUMN     "message_id" TEXT,
ADD COLUMN     "user_id" TEXT;

UPDATE "conversation_chunks" AS ch SET "user_id" = c."user_id" FROM "conversations" AS c WHERE c."id" = ch."conversation_id";

ALTER TABLE "conversation_chunks" ALTER COLUMN "user_id" SET NOT NULL;

-- CreateIndex
CREATE INDEX "conversation_chunks_user_id_embedding_dimensions_embedding__idx" ON "conversation_chunks"("user_id", "embedding_dimensions", "embedding_model");

-- CreateIndex
CREATE INDEX "conversation_chunks_message_id_idx" ON "conversation_chunks"("message_id");

-- CreateIndex
CREATE INDEX "memories_user_id_embedding_dimensions_embedding_model_idx" ON "memories"("user_id", "embedding_dimensions", "embedding_model");

-- AddForeignKey
ALTER TABLE "conversation_chunks" ADD CONSTRAINT "conversation_chunks_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_chunks" ADD CONSTRAINT "conversation_chunks_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ───────────── written by hand ─────────────

-- The owner always equals the conversation's owner, and a chunk's message is in the chunk's conversation,
-- whichever writer inserts the row (one primary-key lookup each).
CREATE FUNCTION "conversation_chunks_owner"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT c."user_id" INTO NEW."user_id" FROM "conversations" AS c WHERE c."id" = NEW."conversation_id";
  IF NEW."message_id" IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM "messages" AS m WHERE m."id" = NEW."message_id" AND m."conversation_id" = NEW."conversation_id"
  ) THEN
    RAISE EXCEPTION 'chunk message % is not in conversation %', NEW."message_id", NEW."conversation_id"
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "conversation_chunks_owner" BEFORE INSERT OR UPDATE OF "conversation_id", "user_id", "message_id" ON "conversation_chunks"
  FOR EACH ROW EXECUTE FUNCTION "conversation_chunks_owner"();

-- Keep vectors inside the row when they fit (up to ~2,000 dimensions) instead of in TOAST: an exact scan
-- over a user's rows then reads each vector without a second lookup. Applies to rows written from now on.
ALTER TABLE "conversation_chunks" ALTER COLUMN "embedding" SET STORAGE MAIN;
ALTER TABLE "memories" ALTER COLUMN "embedding" SET STORAGE MAIN;
