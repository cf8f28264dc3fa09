// updateViewer: the signed-in user's own name, email and preferences (the build-contexts app keeps
// its users' preferences here).
import { builder } from "../../builder.ts";
import { jsonInput, textProblem } from "../inputs.ts";
import { jsonObject, rule, text } from "../constraints.ts";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const UpdateViewerInput = builder.inputType("UpdateViewerInput", {
  description: "Fields to change; absent fields stay as they are, null clears one.",
  fields: (t) => ({
    name: t.string({ validate: text({ maxLength: 200 }) }),
    firstName: t.string({ validate: text({ maxLength: 200 }) }),
    lastName: t.string({ validate: text({ maxLength: 200 }) }),
    email: t.string({
      description: "Unique among users: an email another user has is a CONFLICT.",
      validate: rule<string>((value) => textProblem(value, { maxLength: 320 }) ?? (EMAIL.test(value.trim()) ? undefined : "is not an email address")),
    }),
    preferences: t.field({
      type: "JSON",
      description: "A JSON object of your application's choosing; replaces the stored one whole.",
      validate: jsonObject(),
    }),
  }),
});

builder.mutationField("updateViewer", (t) =>
  t.prismaField({
    type: "User",
    description: "Changes the viewer's name, email or preferences.",
    args: { input: t.arg({ type: UpdateViewerInput, required: true }) },
    resolve: (query, _root, { input }, context) => {
      // Sizes, the email's form and the preferences' shape were checked against the fields' constraints before the resolver ran.
      return context.db.user.update({
        ...query,
        where: { id: context.viewer.id },
        data: {
          name: input.name,
          firstName: input.firstName,
          lastName: input.lastName,
          email: input.email === null ? null : input.email?.trim(),
          preferences: jsonInput(input.preferences),
        },
      });
    },
  }),
);
