// What is known about a memory's quality: its validation, quality metrics and analysis runs.
import { builder } from "../../builder.ts";
import { AnalysisStatusEnum, ValidationSeverityEnum, ValidationStateEnum } from "../enums.ts";
import { listFirst, listTake } from "../lists.ts";

builder.prismaNode("ValidationStatus", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    memory: t.relation("memory"),
    status: t.expose("status", { type: ValidationStateEnum }),
    errors: t.expose("errors", { type: "JSON", nullable: true }),
    resolvedAt: t.expose("resolvedAt", { type: "DateTime", nullable: true }),
    resolvedBy: t.exposeString("resolvedBy", { nullable: true }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true, description: "What the validating system recorded beyond the state (rounds, approval history, …)." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    results: t.relation("results", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
  }),
});

builder.prismaNode("ValidationResult", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    validationStatus: t.relation("validationStatus"),
    rule: t.exposeString("rule"),
    passed: t.exposeBoolean("passed"),
    severity: t.expose("severity", { type: ValidationSeverityEnum }),
    message: t.exposeString("message", { nullable: true }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true, description: "The measurements behind the outcome (scores compared, method, …)." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.prismaNode("QualityMetrics", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    memory: t.relation("memory"),
    overall: t.exposeFloat("overall", { nullable: true }),
    completeness: t.exposeFloat("completeness", { nullable: true }),
    accuracy: t.exposeFloat("accuracy", { nullable: true }),
    relevance: t.exposeFloat("relevance", { nullable: true }),
    clarity: t.exposeFloat("clarity", { nullable: true }),
    dimensions: t.expose("dimensions", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.prismaNode("AnalysisMetadata", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    conversation: t.relation("conversation", { nullable: true }),
    memory: t.relation("memory", { nullable: true }),
    analyzer: t.exposeString("analyzer"),
    version: t.exposeString("version", { nullable: true }),
    status: t.expose("status", { type: AnalysisStatusEnum }),
    config: t.expose("config", { type: "JSON", nullable: true }),
    startedAt: t.expose("startedAt", { type: "DateTime", nullable: true }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true }),
    error: t.exposeString("error", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});
