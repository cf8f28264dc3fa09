-- pgvector: embeddings are vector columns (the extension ships with PGlite and is built for PostgreSQL by scripts/ci/postgres.sh).
CREATE EXTENSION IF NOT EXISTS vector;

-- CreateEnum
CREATE TYPE "conversation_status" AS ENUM ('initialized', 'active', 'completed', 'failed', 'archived');

-- CreateEnum
CREATE TYPE "message_role" AS ENUM ('user', 'assistant', 'system', 'function', 'tool');

-- CreateEnum
CREATE TYPE "tool_use_status" AS ENUM ('pending', 'success', 'error', 'timeout');

-- CreateEnum
CREATE TYPE "action_status" AS ENUM ('pending', 'running', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "preview_status" AS ENUM ('generating', 'live', 'error');

-- CreateEnum
CREATE TYPE "mood_direction" AS ENUM ('up', 'down', 'stable');

-- CreateEnum
CREATE TYPE "validation_state" AS ENUM ('pending', 'valid', 'invalid', 'needs_review');

-- CreateEnum
CREATE TYPE "validation_severity" AS ENUM ('info', 'warning', 'error');

-- CreateEnum
CREATE TYPE "analysis_status" AS ENUM ('pending', 'running', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "epic_status" AS ENUM ('planned', 'in_progress', 'completed', 'cancelled');

-- CreateEnum
CREATE TYPE "epic_priority" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "email" TEXT,
    "name" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "preferences" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversations" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "session_id" TEXT,
    "project_path" TEXT,
    "title" TEXT,
    "description" TEXT,
    "status" "conversation_status" NOT NULL DEFAULT 'active',
    "content_type" TEXT,
    "content_title" VARCHAR(500),
    "content_body" TEXT,
    "content_url" TEXT,
    "content_author" VARCHAR(200),
    "content_published_at" TIMESTAMP(3),
    "content_metadata" JSONB,
    "consensus_reached" BOOLEAN NOT NULL DEFAULT false,
    "final_recommendation" TEXT,
    "confidence_score" REAL,
    "flow" JSONB,
    "config" JSONB,
    "metadata" JSONB,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMP(3),
    "completed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "conversations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "role" "message_role" NOT NULL,
    "sender" TEXT,
    "agent_type" TEXT,
    "agent_name" VARCHAR(100),
    "content" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "confidence" REAL,
    "cited_sources" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "signal_references" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "tool_calls" JSONB,
    "timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tool_uses" (
    "id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "tool_name" TEXT NOT NULL,
    "parameters" JSONB,
    "response" JSONB,
    "duration_ms" INTEGER,
    "status" "tool_use_status" NOT NULL DEFAULT 'pending',
    "timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "tool_uses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "links" (
    "id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets" (
    "id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "filename" TEXT,
    "mime_type" TEXT,
    "size_bytes" INTEGER,
    "url" TEXT,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "assets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "actions" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "action_status" NOT NULL DEFAULT 'pending',
    "result" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "previews" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "url" TEXT,
    "deployment_id" TEXT,
    "status" "preview_status" NOT NULL DEFAULT 'generating',
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "previews_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversation_chunks" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "chunk_index" INTEGER NOT NULL,
    "chunk_text" TEXT NOT NULL,
    "embedding" vector,
    "embedding_model" TEXT,
    "embedding_dimensions" INTEGER,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "conversation_chunks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memories" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "conversation_id" TEXT,
    "content" TEXT NOT NULL,
    "summary" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'fact',
    "importance" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "confidence" DOUBLE PRECISION,
    "participants" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "source_message_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "embedding" vector,
    "embedding_model" TEXT,
    "embedding_dimensions" INTEGER,
    "access_count" INTEGER NOT NULL DEFAULT 0,
    "last_accessed_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "memories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memory_clusters" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "themes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "description" TEXT,
    "centroid" vector,
    "centroid_model" TEXT,
    "centroid_dimensions" INTEGER,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "memory_clusters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cluster_memberships" (
    "id" TEXT NOT NULL,
    "memory_id" TEXT NOT NULL,
    "cluster_id" TEXT NOT NULL,
    "score" DOUBLE PRECISION,
    "added_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cluster_memberships_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "emotional_contexts" (
    "id" TEXT NOT NULL,
    "memory_id" TEXT,
    "message_id" TEXT,
    "mood" TEXT NOT NULL,
    "intensity" DOUBLE PRECISION,
    "themes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "markers" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "emotional_contexts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "relationship_dynamics" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT,
    "memory_id" TEXT,
    "participants" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "closeness" DOUBLE PRECISION,
    "tension" DOUBLE PRECISION,
    "support" DOUBLE PRECISION,
    "patterns" JSONB,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "relationship_dynamics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mood_scores" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "message_id" TEXT,
    "participant" TEXT,
    "score" DOUBLE PRECISION NOT NULL,
    "label" TEXT,
    "confidence" DOUBLE PRECISION,
    "factors" JSONB,
    "measured_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mood_scores_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mood_deltas" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "from_score_id" TEXT NOT NULL,
    "to_score_id" TEXT NOT NULL,
    "delta" DOUBLE PRECISION NOT NULL,
    "magnitude" DOUBLE PRECISION NOT NULL,
    "direction" "mood_direction" NOT NULL,
    "significance" DOUBLE PRECISION,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mood_deltas_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "delta_patterns" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "pattern_type" TEXT NOT NULL,
    "description" TEXT,
    "confidence" DOUBLE PRECISION,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "delta_patterns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "delta_pattern_members" (
    "pattern_id" TEXT NOT NULL,
    "delta_id" TEXT NOT NULL,

    CONSTRAINT "delta_pattern_members_pkey" PRIMARY KEY ("pattern_id","delta_id")
);

-- CreateTable
CREATE TABLE "turning_points" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "message_id" TEXT,
    "type" TEXT NOT NULL,
    "magnitude" DOUBLE PRECISION NOT NULL,
    "description" TEXT,
    "occurred_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "turning_points_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "validation_statuses" (
    "id" TEXT NOT NULL,
    "memory_id" TEXT NOT NULL,
    "status" "validation_state" NOT NULL DEFAULT 'pending',
    "errors" JSONB,
    "resolved_at" TIMESTAMP(3),
    "resolved_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "validation_statuses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "validation_results" (
    "id" TEXT NOT NULL,
    "validation_status_id" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "passed" BOOLEAN NOT NULL,
    "severity" "validation_severity" NOT NULL DEFAULT 'info',
    "message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "validation_results_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quality_metrics" (
    "id" TEXT NOT NULL,
    "memory_id" TEXT NOT NULL,
    "overall" DOUBLE PRECISION,
    "completeness" DOUBLE PRECISION,
    "accuracy" DOUBLE PRECISION,
    "relevance" DOUBLE PRECISION,
    "clarity" DOUBLE PRECISION,
    "dimensions" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "quality_metrics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analysis_metadata" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT,
    "memory_id" TEXT,
    "analyzer" TEXT NOT NULL,
    "version" TEXT,
    "status" "analysis_status" NOT NULL DEFAULT 'pending',
    "config" JSONB,
    "started_at" TIMESTAMP(3),
    "completed_at" TIMESTAMP(3),
    "error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "analysis_metadata_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deduplication_records" (
    "id" TEXT NOT NULL,
    "memory_id" TEXT NOT NULL,
    "merged_memory_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "strategy" TEXT NOT NULL,
    "conflicts" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deduplication_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "epics" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "status" "epic_status" NOT NULL DEFAULT 'planned',
    "priority" "epic_priority" NOT NULL DEFAULT 'medium',
    "quarter" TEXT,
    "outcome" TEXT,
    "icon" TEXT,
    "color" TEXT,
    "order" SERIAL NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "epics_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_external_id_key" ON "users"("external_id");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_user_id_created_at_idx" ON "api_keys"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "conversations_user_id_created_at_idx" ON "conversations"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "conversations_user_id_started_at_idx" ON "conversations"("user_id", "started_at");

-- CreateIndex
CREATE INDEX "conversations_user_id_project_path_started_at_idx" ON "conversations"("user_id", "project_path", "started_at");

-- CreateIndex
CREATE INDEX "conversations_user_id_status_created_at_idx" ON "conversations"("user_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "conversations_status_created_at_idx" ON "conversations"("status", "created_at");

-- CreateIndex
CREATE INDEX "conversations_session_id_idx" ON "conversations"("session_id");

-- CreateIndex
CREATE INDEX "conversations_content_type_created_at_idx" ON "conversations"("content_type", "created_at");

-- CreateIndex
CREATE INDEX "conversations_ended_at_idx" ON "conversations"("ended_at");

-- CreateIndex
CREATE INDEX "messages_role_timestamp_idx" ON "messages"("role", "timestamp");

-- CreateIndex
CREATE INDEX "messages_agent_type_timestamp_idx" ON "messages"("agent_type", "timestamp");

-- CreateIndex
CREATE INDEX "messages_timestamp_idx" ON "messages"("timestamp");

-- CreateIndex
CREATE UNIQUE INDEX "messages_conversation_id_content_hash_key" ON "messages"("conversation_id", "content_hash");

-- CreateIndex
CREATE UNIQUE INDEX "messages_conversation_id_position_key" ON "messages"("conversation_id", "position");

-- CreateIndex
CREATE INDEX "tool_uses_message_id_timestamp_idx" ON "tool_uses"("message_id", "timestamp");

-- CreateIndex
CREATE INDEX "tool_uses_tool_name_status_idx" ON "tool_uses"("tool_name", "status");

-- CreateIndex
CREATE INDEX "tool_uses_status_idx" ON "tool_uses"("status");

-- CreateIndex
CREATE INDEX "tool_uses_timestamp_idx" ON "tool_uses"("timestamp");

-- CreateIndex
CREATE INDEX "links_domain_idx" ON "links"("domain");

-- CreateIndex
CREATE UNIQUE INDEX "links_message_id_url_key" ON "links"("message_id", "url");

-- CreateIndex
CREATE INDEX "assets_message_id_idx" ON "assets"("message_id");

-- CreateIndex
CREATE INDEX "assets_type_idx" ON "assets"("type");

-- CreateIndex
CREATE INDEX "actions_conversation_id_status_created_at_idx" ON "actions"("conversation_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "actions_status_created_at_idx" ON "actions"("status", "created_at");

-- CreateIndex
CREATE INDEX "previews_conversation_id_created_at_idx" ON "previews"("conversation_id", "created_at");

-- CreateIndex
CREATE INDEX "conversation_chunks_embedding_model_embedding_dimensions_idx" ON "conversation_chunks"("embedding_model", "embedding_dimensions");

-- CreateIndex
CREATE UNIQUE INDEX "conversation_chunks_conversation_id_chunk_index_key" ON "conversation_chunks"("conversation_id", "chunk_index");

-- CreateIndex
CREATE INDEX "memories_user_id_created_at_idx" ON "memories"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "memories_user_id_importance_idx" ON "memories"("user_id", "importance");

-- CreateIndex
CREATE INDEX "memories_user_id_kind_idx" ON "memories"("user_id", "kind");

-- CreateIndex
CREATE INDEX "memories_user_id_deleted_at_idx" ON "memories"("user_id", "deleted_at");

-- CreateIndex
CREATE INDEX "memories_conversation_id_idx" ON "memories"("conversation_id");

-- CreateIndex
CREATE INDEX "memories_tags_idx" ON "memories" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "memories_embedding_model_embedding_dimensions_idx" ON "memories"("embedding_model", "embedding_dimensions");

-- CreateIndex
CREATE UNIQUE INDEX "memory_clusters_user_id_name_key" ON "memory_clusters"("user_id", "name");

-- CreateIndex
CREATE INDEX "cluster_memberships_cluster_id_score_idx" ON "cluster_memberships"("cluster_id", "score");

-- CreateIndex
CREATE UNIQUE INDEX "cluster_memberships_memory_id_cluster_id_key" ON "cluster_memberships"("memory_id", "cluster_id");

-- CreateIndex
CREATE UNIQUE INDEX "emotional_contexts_memory_id_key" ON "emotional_contexts"("memory_id");

-- CreateIndex
CREATE UNIQUE INDEX "emotional_contexts_message_id_key" ON "emotional_contexts"("message_id");

-- CreateIndex
CREATE INDEX "relationship_dynamics_conversation_id_idx" ON "relationship_dynamics"("conversation_id");

-- CreateIndex
CREATE INDEX "relationship_dynamics_memory_id_idx" ON "relationship_dynamics"("memory_id");

-- CreateIndex
CREATE INDEX "mood_scores_conversation_id_measured_at_idx" ON "mood_scores"("conversation_id", "measured_at");

-- CreateIndex
CREATE INDEX "mood_scores_conversation_id_participant_measured_at_idx" ON "mood_scores"("conversation_id", "participant", "measured_at");

-- CreateIndex
CREATE INDEX "mood_scores_message_id_idx" ON "mood_scores"("message_id");

-- CreateIndex
CREATE UNIQUE INDEX "mood_deltas_to_score_id_key" ON "mood_deltas"("to_score_id");

-- CreateIndex
CREATE INDEX "mood_deltas_conversation_id_created_at_idx" ON "mood_deltas"("conversation_id", "created_at");

-- CreateIndex
CREATE INDEX "mood_deltas_from_score_id_idx" ON "mood_deltas"("from_score_id");

-- CreateIndex
CREATE INDEX "delta_patterns_conversation_id_pattern_type_idx" ON "delta_patterns"("conversation_id", "pattern_type");

-- CreateIndex
CREATE INDEX "delta_pattern_members_delta_id_idx" ON "delta_pattern_members"("delta_id");

-- CreateIndex
CREATE INDEX "turning_points_conversation_id_occurred_at_idx" ON "turning_points"("conversation_id", "occurred_at");

-- CreateIndex
CREATE INDEX "turning_points_message_id_idx" ON "turning_points"("message_id");

-- CreateIndex
CREATE UNIQUE INDEX "validation_statuses_memory_id_key" ON "validation_statuses"("memory_id");

-- CreateIndex
CREATE INDEX "validation_statuses_status_created_at_idx" ON "validation_statuses"("status", "created_at");

-- CreateIndex
CREATE INDEX "validation_results_validation_status_id_created_at_idx" ON "validation_results"("validation_status_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "quality_metrics_memory_id_key" ON "quality_metrics"("memory_id");

-- CreateIndex
CREATE INDEX "analysis_metadata_conversation_id_created_at_idx" ON "analysis_metadata"("conversation_id", "created_at");

-- CreateIndex
CREATE INDEX "analysis_metadata_memory_id_created_at_idx" ON "analysis_metadata"("memory_id", "created_at");

-- CreateIndex
CREATE INDEX "analysis_metadata_analyzer_status_idx" ON "analysis_metadata"("analyzer", "status");

-- CreateIndex
CREATE INDEX "deduplication_records_memory_id_created_at_idx" ON "deduplication_records"("memory_id", "created_at");

-- CreateIndex
CREATE INDEX "epics_user_id_status_idx" ON "epics"("user_id", "status");

-- CreateIndex
CREATE INDEX "epics_user_id_priority_idx" ON "epics"("user_id", "priority");

-- CreateIndex
CREATE INDEX "epics_user_id_order_idx" ON "epics"("user_id", "order");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tool_uses" ADD CONSTRAINT "tool_uses_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "links" ADD CONSTRAINT "links_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assets" ADD CONSTRAINT "assets_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actions" ADD CONSTRAINT "actions_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "previews" ADD CONSTRAINT "previews_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_chunks" ADD CONSTRAINT "conversation_chunks_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memories" ADD CONSTRAINT "memories_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memories" ADD CONSTRAINT "memories_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memory_clusters" ADD CONSTRAINT "memory_clusters_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cluster_memberships" ADD CONSTRAINT "cluster_memberships_memory_id_fkey" FOREIGN KEY ("memory_id") REFERENCES "memories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cluster_memberships" ADD CONSTRAINT "cluster_memberships_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "memory_clusters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "emotional_contexts" ADD CONSTRAINT "emotional_contexts_memory_id_fkey" FOREIGN KEY ("memory_id") REFERENCES "memories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "emotional_contexts" ADD CONSTRAINT "emotional_contexts_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "relationship_dynamics" ADD CONSTRAINT "relationship_dynamics_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "relationship_dynamics" ADD CONSTRAINT "relationship_dynamics_memory_id_fkey" FOREIGN KEY ("memory_id") REFERENCES "memories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mood_scores" ADD CONSTRAINT "mood_scores_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mood_scores" ADD CONSTRAINT "mood_scores_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mood_deltas" ADD CONSTRAINT "mood_deltas_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mood_deltas" ADD CONSTRAINT "mood_deltas_from_score_id_fkey" FOREIGN KEY ("from_score_id") REFERENCES "mood_scores"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mood_deltas" ADD CONSTRAINT "mood_deltas_to_score_id_fkey" FOREIGN KEY ("to_score_id") REFERENCES "mood_scores"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delta_patterns" ADD CONSTRAINT "delta_patterns_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delta_pattern_members" ADD CONSTRAINT "delta_pattern_members_pattern_id_fkey" FOREIGN KEY ("pattern_id") REFERENCES "delta_patterns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delta_pattern_members" ADD CONSTRAINT "delta_pattern_members_delta_id_fkey" FOREIGN KEY ("delta_id") REFERENCES "mood_deltas"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "turning_points" ADD CONSTRAINT "turning_points_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "turning_points" ADD CONSTRAINT "turning_points_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "validation_statuses" ADD CONSTRAINT "validation_statuses_memory_id_fkey" FOREIGN KEY ("memory_id") REFERENCES "memories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "validation_results" ADD CONSTRAINT "validation_results_validation_status_id_fkey" FOREIGN KEY ("validation_status_id") REFERENCES "validation_statuses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quality_metrics" ADD CONSTRAINT "quality_metrics_memory_id_fkey" FOREIGN KEY ("memory_id") REFERENCES "memories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_metadata" ADD CONSTRAINT "analysis_metadata_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_metadata" ADD CONSTRAINT "analysis_metadata_memory_id_fkey" FOREIGN KEY ("memory_id") REFERENCES "memories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deduplication_records" ADD CONSTRAINT "deduplication_records_memory_id_fkey" FOREIGN KEY ("memory_id") REFERENCES "memories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "epics" ADD CONSTRAINT "epics_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ───────────── written by hand: what schema.prisma cannot express ─────────────

-- One vector column holds embeddings of several models; a row's dimension is stored beside it and must match.
ALTER TABLE "conversation_chunks" ADD CONSTRAINT "conversation_chunks_embedding_dimensions_check"
  CHECK ("embedding" IS NULL OR vector_dims("embedding") = "embedding_dimensions");
ALTER TABLE "memories" ADD CONSTRAINT "memories_embedding_dimensions_check"
  CHECK ("embedding" IS NULL OR vector_dims("embedding") = "embedding_dimensions");
ALTER TABLE "memory_clusters" ADD CONSTRAINT "memory_clusters_centroid_dimensions_check"
  CHECK ("centroid" IS NULL OR vector_dims("centroid") = "centroid_dimensions");

-- HNSW (cosine) per dimension in use: a partial index on the column cast to its fixed dimension.
-- Queries use the same cast and predicate: ORDER BY embedding::vector(N) <=> $q WHERE embedding_dimensions = N.
CREATE INDEX "conversation_chunks_hnsw_384" ON "conversation_chunks" USING hnsw (("embedding"::vector(384)) vector_cosine_ops) WHERE "embedding_dimensions" = 384;
CREATE INDEX "conversation_chunks_hnsw_512" ON "conversation_chunks" USING hnsw (("embedding"::vector(512)) vector_cosine_ops) WHERE "embedding_dimensions" = 512;
CREATE INDEX "conversation_chunks_hnsw_768" ON "conversation_chunks" USING hnsw (("embedding"::vector(768)) vector_cosine_ops) WHERE "embedding_dimensions" = 768;
CREATE INDEX "conversation_chunks_hnsw_1024" ON "conversation_chunks" USING hnsw (("embedding"::vector(1024)) vector_cosine_ops) WHERE "embedding_dimensions" = 1024;
CREATE INDEX "conversation_chunks_hnsw_1536" ON "conversation_chunks" USING hnsw (("embedding"::vector(1536)) vector_cosine_ops) WHERE "embedding_dimensions" = 1536;
CREATE INDEX "memories_hnsw_384" ON "memories" USING hnsw (("embedding"::vector(384)) vector_cosine_ops) WHERE "embedding_dimensions" = 384;
CREATE INDEX "memories_hnsw_512" ON "memories" USING hnsw (("embedding"::vector(512)) vector_cosine_ops) WHERE "embedding_dimensions" = 512;
CREATE INDEX "memories_hnsw_768" ON "memories" USING hnsw (("embedding"::vector(768)) vector_cosine_ops) WHERE "embedding_dimensions" = 768;
CREATE INDEX "memories_hnsw_1024" ON "memories" USING hnsw (("embedding"::vector(1024)) vector_cosine_ops) WHERE "embedding_dimensions" = 1024;
CREATE INDEX "memories_hnsw_1536" ON "memories" USING hnsw (("embedding"::vector(1536)) vector_cosine_ops) WHERE "embedding_dimensions" = 1536;

-- Full-text search (messages `matches`, search FULL_TEXT/HYBRID) over English stems.
CREATE INDEX "messages_content_fts" ON "messages" USING gin (to_tsvector('english', "content"));
CREATE INDEX "conversation_chunks_chunk_text_fts" ON "conversation_chunks" USING gin (to_tsvector('english', "chunk_text"));
CREATE INDEX "memories_content_fts" ON "memories" USING gin (to_tsvector('english', coalesce("summary", '') || ' ' || "content"));

-- An emotional context reads exactly one memory or one message; the others attach to at least one parent.
ALTER TABLE "emotional_contexts" ADD CONSTRAINT "emotional_contexts_one_subject_check"
  CHECK (("memory_id" IS NULL) <> ("message_id" IS NULL));
ALTER TABLE "relationship_dynamics" ADD CONSTRAINT "relationship_dynamics_subject_check"
  CHECK ("conversation_id" IS NOT NULL OR "memory_id" IS NOT NULL);
ALTER TABLE "analysis_metadata" ADD CONSTRAINT "analysis_metadata_subject_check"
  CHECK ("conversation_id" IS NOT NULL OR "memory_id" IS NOT NULL);
