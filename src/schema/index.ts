// Each domain registers its types with the builder on import; this file assembles the schema.
import { lexicographicSortSchema } from "graphql";
import { builder } from "../builder.ts";
import "./scalars.ts";
import "./enums.ts";
import "./users/types.ts";
import "./users/api-keys.ts";
import "./conversations/types.ts";
import "./conversations/queries.ts";
import "./conversations/mutations.ts";
import "./conversations/messages.ts";
import "./conversations/workflow.ts";
import "./conversations/chunks.ts";
import "./conversations/subscriptions.ts";
import "./memory/types.ts";
import "./emotion/types.ts";
import "./quality/types.ts";
import "./planning/types.ts";
import "./planning/queries.ts";
import "./search/queries.ts";

export const schema = builder.toSchema();
/** The schema as printed to schema.graphql: sorted, so the file diffs cleanly. */
export const sortedSchema = lexicographicSortSchema(schema);
