-- Counting a user's vectors reads the index alone: whether a chunk came from a message, and whether a
-- memory is deleted, are in the index too.

-- DropIndex
DROP INDEX "conversation_chunks_user_id_embedding_dimensions_embedding__idx";

-- DropIndex
DROP INDEX "memories_user_id_embedding_dimensions_embedding_model_idx";

-- CreateIndex
CREATE INDEX "conversation_chunks_user_id_embedding_dimensions_embedding__idx" ON "conversation_chunks"("user_id", "embedding_dimensions", "embedding_model", "message_id");

-- CreateIndex
CREATE INDEX "memories_user_id_embedding_dimensions_embedding_model_delet_idx" ON "memories"("user_id", "embedding_dimensions", "embedding_model", "deleted_at");
