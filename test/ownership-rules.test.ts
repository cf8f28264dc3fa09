// Every model the Prisma schema declares has an ownership rule, or is named as nobody's with a
// reason; every GraphQL type that node(id:) can return has a way to check it is the viewer's.
// Adding a model or a node type without them fails here, before any data can leak.
import { describe, expect, it } from "vitest";
import { isObjectType } from "graphql";
import { getDatamodel } from "../src/generated/pothos-types.ts";
import { Prisma } from "../src/generated/prisma/client.ts";
import { ownedBy, unownedModels } from "../src/auth/ownership.ts";
import { nodeTypenames } from "../src/auth/node-access.ts";

const delegateName = (model: string) => model[0].toLowerCase() + model.slice(1);

/** The models of `models` that have neither an ownership rule nor a stated reason to have none. */
function withoutRule(models: string[]): string[] {
  return models.map(delegateName).filter((model) => !Object.hasOwn(ownedBy, model) && !Object.hasOwn(unownedModels, model));
}

// The data model as Prisma's generator wrote it (the DMMF the Pothos plugin reads).
const dmmfModels = Object.keys(getDatamodel().datamodel.models);

describe("ownership rules", () => {
  it("reads the models from the generated client's data model", () => {
    expect(dmmfModels.length).toBeGreaterThan(20);
    expect([...dmmfModels].sort()).toEqual(Object.values(Prisma.ModelName).sort());
  });

  it("has a rule for every Prisma model, or a reason the model is nobody's", () => {
    expect(withoutRule(dmmfModels)).toEqual([]);
    // The check itself notices a model nobody declared.
    expect(withoutRule([...dmmfModels, "Invoice"])).toEqual(["invoice"]);
  });

  it("names no model twice and none that does not exist", () => {
    const known = new Set(dmmfModels.map(delegateName));
    expect(Object.keys(ownedBy).filter((model) => !known.has(model))).toEqual([]);
    expect(Object.keys(unownedModels).filter((model) => !known.has(model) || Object.hasOwn(ownedBy, model))).toEqual([]);
    for (const [model, reason] of Object.entries(unownedModels)) expect(reason.length, `why ${model} is nobody's`).toBeGreaterThan(20);
  });

  it("checks ownership for every type node(id:) can return, and for no other", async () => {
    const { schema } = await import("../src/schema/index.ts");
    const nodeTypes = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .filter((type) => type.getInterfaces().some((iface) => iface.name === "Node"))
      .map((type) => type.name);
    expect([...nodeTypenames].sort()).toEqual(nodeTypes.sort());
    // Each is stored in a model that has a rule (never one of the server's own tables).
    expect(nodeTypenames.map(delegateName).filter((model) => !Object.hasOwn(ownedBy, model))).toEqual([]);
  });
});
