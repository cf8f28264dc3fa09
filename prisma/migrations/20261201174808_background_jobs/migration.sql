-- The queue of background work (embedding new messages, re-embedding after a model change) and the
-- models the server has embedded with. Chunks become unique by (conversation, message, index) with
-- NULLS NOT DISTINCT, written by hand below: a client's chunks (no message) stay unique by index in
-- their conversation, as before; a message's chunks are unique by index within the message.

-- DropIndex
DROP INDEX "conversation_chunks_conversation_id_chunk_index_key";

-- CreateTable
CREATE TABLE "background_jobs" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "user_id" TEXT,
    "conversation_id" TEXT,
    "payload" JSONB NOT NULL,
    "items" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "run_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leased_until" TIMESTAMP(3),
    "lease_token" TEXT,
    "last_error" TEXT,
    "failed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "background_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "server_embedders" (
    "model" TEXT NOT NULL,
    "dimensions" INTEGER NOT NULL,
    "first_used_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "server_embedders_pkey" PRIMARY KEY ("model")
);

-- CreateIndex
CREATE INDEX "background_jobs_failed_at_run_at_idx" ON "background_jobs"("failed_at", "run_at");

-- CreateIndex
CREATE INDEX "background_jobs_conversation_id_idx" ON "background_jobs"("conversation_id");

-- CreateIndex
CREATE INDEX "background_jobs_user_id_idx" ON "background_jobs"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "conversation_chunks_conversation_id_message_id_chunk_index_key" ON "conversation_chunks"("conversation_id", "message_id", "chunk_index") NULLS NOT DISTINCT;

-- AddForeignKey
ALTER TABLE "background_jobs" ADD CONSTRAINT "background_jobs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "background_jobs" ADD CONSTRAINT "background_jobs_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
