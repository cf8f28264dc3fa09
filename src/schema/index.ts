// Each domain registers its types with the builder on import; this file assembles the schema.
import { lexicographicSortSchema } from "graphql";
import { builder } from "../builder.ts";
import "./scalars.ts";
import "./enums.ts";
import "./users/types.ts";
import "./users/api-keys.ts";
import "./users/account.ts";
import "./users/profile.ts";
import "./conversations/types.ts";
import "./conversations/queries.ts";
import "./conversations/mutations.ts";
import "./conversations/messages.ts";
import "./conversations/workflow.ts";
import "./conversations/chunks.ts";
import "./conversations/embedding.ts";
import "./conversations/import.ts";
import "./conversations/subscriptions.ts";
import "./imports/mutations.ts";
import "./imports/export.ts";
import "./imports/memory-records.ts";
import "./memory/types.ts";
import "./memory/queries.ts";
import "./memory/mutations.ts";
import "./memory/clusters.ts";
import "./emotion/types.ts";
import "./emotion/queries.ts";
import "./emotion/mutations.ts";
import "./quality/types.ts";
import "./quality/mutations.ts";
import "./planning/types.ts";
import "./planning/queries.ts";
import "./planning/mutations.ts";
import "./search/queries.ts";

export const schema = builder.toSchema();
/** The schema as printed to schema.graphql: sorted, so the file diffs cleanly. */
export const sortedSchema = lexicographicSortSchema(schema);
