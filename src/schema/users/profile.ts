// updateViewer: the signed-in user's own name, email and preferences (the build-contexts app keeps
// its users' preferences here).
import { builder } from "../../builder.ts";
import { badInput } from "../../errors.ts";
import { checkText, jsonInput } from "../inputs.ts";

const UpdateViewerInput = builder.inputType("UpdateViewerInput", {
  description: "Fields to change; absent fields stay as they are, null clears one.",
  fields: (t) => ({
    name: t.string(),
    firstName: t.string(),
    lastName: t.string(),
    email: t.string({ description: "Unique among users: an email another user has is a CONFLICT." }),
    preferences: t.field({ type: "JSON", description: "A JSON object of your application's choosing; replaces the stored one whole." }),
  }),
});

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

builder.mutationField("updateViewer", (t) =>
  t.prismaField({
    type: "User",
    description: "Changes the viewer's name, email or preferences.",
    args: { input: t.arg({ type: UpdateViewerInput, required: true }) },
    resolve: (query, _root, { input }, context) => {
      const email = checkText(input.email, "input.email", { maxLength: 320 })?.trim();
      if (email && !EMAIL.test(email)) throw badInput("input.email is not an email address", "input.email");
      const preferences = input.preferences;
      if (preferences !== null && preferences !== undefined && (typeof preferences !== "object" || Array.isArray(preferences))) {
        throw badInput("input.preferences must be a JSON object", "input.preferences");
      }
      return context.db.user.update({
        ...query,
        where: { id: context.viewer.id },
        data: {
          name: checkText(input.name, "input.name", { maxLength: 200 }),
          firstName: checkText(input.firstName, "input.firstName", { maxLength: 200 }),
          lastName: checkText(input.lastName, "input.lastName", { maxLength: 200 }),
          email: input.email === null ? null : email,
          preferences: jsonInput(preferences),
        },
      });
    },
  }),
);
