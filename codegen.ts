// `npm run codegen`: typed documents for the example client, from the committed schema.graphql.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "./schema.graphql",
  documents: ["examples/client/**/*.ts", "!examples/client/gql/**"],
  ignoreNoDocuments: false,
  generates: {
    "examples/client/gql/": {
      preset: "client",
      presetConfig: {
        // A fetch client has no components to hand fragments to; plain result types read better.
        fragmentMasking: false,
        // gql/persisted-documents.json: { "sha256:<hash>": document } for a server with
        // PERSISTED_OPERATIONS; each document carries its hash (`__meta__.hash`) to send instead.
        persistedDocuments: true,
      },
      config: {
        // Documents are strings with their result and variables types attached: ready for fetch's body.
        documentMode: "string",
        useTypeImports: true,
        // The repo imports with .ts extensions (NodeNext + allowImportingTsExtensions).
        importExtension: ".ts",
        scalars: {
          ID: "string",
          DateTime: "string",
          JSON: "unknown",
        },
        strictScalars: true,
        // Enums as string-literal unions, no runtime code (client-preset 6's spelling of enumsAsTypes).
        enumType: "string-literal",
      },
    },
  },
};

export default config;
