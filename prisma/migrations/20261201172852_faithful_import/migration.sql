-- Faithful import: a message is a duplicate only when it is the same message (same externalId, or
-- without one the same role, sender, timestamp and content), not when it has the same words; the
-- source system's ids are kept as external_id on conversations, messages, tool uses, actions,
-- previews and memories.

-- DropIndex
DROP INDEX "messages_conversation_id_content_hash_key";

-- AlterTable
ALTER TABLE "actions" ADD COLUMN     "external_id" TEXT;

-- AlterTable
ALTER TABLE "conversations" ADD COLUMN     "external_id" TEXT;

-- AlterTable
ALTER TABLE "memories" ADD COLUMN     "external_id" TEXT;

-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "external_id" TEXT,
ADD COLUMN     "fingerprint" TEXT;

-- AlterTable
ALTER TABLE "previews" ADD COLUMN     "external_id" TEXT;

-- AlterTable
ALTER TABLE "tool_uses" ADD COLUMN     "external_id" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "actions_conversation_id_external_id_key" ON "actions"("conversation_id", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "conversations_user_id_external_id_key" ON "conversations"("user_id", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "memories_user_id_external_id_key" ON "memories"("user_id", "external_id");

-- ───────────── written by hand: the fingerprint of the messages already stored ─────────────
-- The same formula as the server's messageFingerprint() (src/schema/conversations/content.ts):
-- sha256 hex of "role\nepoch-milliseconds\nsha256hex(sender or '')\ncontent". Existing rows were
-- unique by content within their conversation, so they are unique by fingerprint too.
CREATE FUNCTION "message_fingerprint"(role text, sender text, ts timestamp, content text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(
    role || E'\n' || (extract(epoch FROM ts) * 1000)::bigint::text || E'\n' ||
    encode(sha256(convert_to(coalesce(sender, ''), 'UTF8')), 'hex') || E'\n' || content, 'UTF8')), 'hex')
$$;
UPDATE "messages" SET "fingerprint" = "message_fingerprint"("role"::text, "sender", "timestamp", "content");

-- CreateIndex
CREATE INDEX "messages_conversation_id_timestamp_idx" ON "messages"("conversation_id", "timestamp");

-- CreateIndex
CREATE UNIQUE INDEX "messages_conversation_id_external_id_key" ON "messages"("conversation_id", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "messages_conversation_id_fingerprint_key" ON "messages"("conversation_id", "fingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "previews_conversation_id_external_id_key" ON "previews"("conversation_id", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "tool_uses_message_id_external_id_key" ON "tool_uses"("message_id", "external_id");
