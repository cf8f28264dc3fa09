-- Messages stored before background embedding existed (or by a server whose jobs were lost) have no
-- chunks of their own and no job that would make them: queue one embed_messages job per conversation
-- for them, in position order, so they become searchable by meaning without any client work. Messages
-- that already have chunks (the background worker's, or a client's own upsertChunks for the message)
-- and messages already named by a waiting job are left alone. Runs once, at the upgrade; every later
-- write queues its own job.
INSERT INTO "background_jobs" ("kind", "user_id", "conversation_id", "payload", "items", "updated_at")
SELECT 'embed_messages', c."user_id", m."conversation_id",
       jsonb_build_object('messageIds', jsonb_agg(m."id" ORDER BY m."position")), count(*)::int, now()
  FROM "messages" m
  JOIN "conversations" c ON c."id" = m."conversation_id"
 WHERE NOT EXISTS (SELECT 1 FROM "conversation_chunks" ch WHERE ch."message_id" = m."id")
   AND NOT EXISTS (SELECT 1 FROM "background_jobs" j
                    WHERE j."kind" = 'embed_messages' AND j."conversation_id" = m."conversation_id"
                      AND j."payload" -> 'messageIds' ? m."id")
 GROUP BY m."conversation_id", c."user_id";
