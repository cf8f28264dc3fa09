import { minutesAfter, thread, type Seed } from "./shared.ts";

// Demo data, seed 003: build contexts.

const naturalFlow = { resistance: "none", friction: "minimal", direction: "natural" };

export async function seedBuildContexts(seed: Seed) {
  const { tx, userId, hoursAgo } = seed;
  const activeStart = hoursAgo(0.5);
  await tx.conversation.create({
    data: {
      userId,
      title: "Portfolio site from the Next.js starter",
      status: "ACTIVE",
      flow: naturalFlow,
      config: { template: "nextjs-portfolio", tooling: ["pnpm", "typescript", "tailwindcss", "eslint"], features: ["blog", "contact-form", "dark-mode"] },
      metadata: { customizations: { accentColor: "#c2410c", font: "Inter" } },
      startedAt: activeStart,
      createdAt: activeStart,
      messages: {
        create: thread(activeStart, 2, [
          { role: "SYSTEM", content: "You set up and deploy web projects for the user. Prefer templates and sensible defaults." },
          { role: "USER", content: "I want a portfolio site with a blog and a contact form." },
          { role: "ASSISTANT", content: "Starting from the Next.js portfolio template with a blog and a contact form; installing the tooling now.", metadata: { intent: "create_site", entities: ["blog", "contact form"], confidence: 0.93 } },
          { role: "USER", content: "Make the accent colour burnt orange." },
          { role: "ASSISTANT", content: "Updating the Tailwind theme and global styles to burnt orange (#c2410c).", metadata: { intent: "customize_theme", entities: ["accent colour"], confidence: 0.88 } },
        ]),
      },
      actions: {
        create: [
          { type: "clone_template", status: "COMPLETED", createdAt: minutesAfter(activeStart, 3), payload: { template: "nextjs-portfolio", destination: "portfolio" }, result: { repository: "github.com/local/portfolio", commit: "4f2a9c1" } },
          { type: "configure_tooling", status: "COMPLETED", createdAt: minutesAfter(activeStart, 4), payload: { tooling: ["pnpm", "typescript", "tailwindcss", "eslint"] }, result: { installed: 214, durationMs: 18_400 } },
          { type: "modify_files", status: "RUNNING", createdAt: minutesAfter(activeStart, 9), payload: { files: ["tailwind.config.ts", "app/globals.css"], instruction: "accent colour #c2410c" } },
          { type: "deploy", status: "PENDING", createdAt: minutesAfter(activeStart, 9.5), payload: { provider: "vercel", branch: "main" } },
        ],
      },
      previews: { create: [{ status: "GENERATING", deploymentId: "dpl_7Hq2mXcA9", metadata: { provider: "vercel", branch: "main" } }] },
    },
  });

  const doneStart = hoursAgo(26);
  const doneEnd = minutesAfter(doneStart, 40);
  await tx.conversation.create({
    data: {
      userId,
      title: "Docs site for spice-cli",
      status: "COMPLETED",
      flow: naturalFlow,
      config: { template: "astro-starlight", tooling: ["npm", "astro"], features: ["search", "versioning"] },
      startedAt: doneStart,
      endedAt: doneEnd,
      completedAt: doneEnd,
      createdAt: doneStart,
      messages: {
        create: thread(doneStart, 8, [
          { role: "USER", content: "Publish documentation for spice-cli with search." },
          { role: "ASSISTANT", content: "Using the Astro Starlight template, which ships with search. Deploying a preview.", metadata: { intent: "create_docs", entities: ["spice-cli", "search"], confidence: 0.9 } },
          { role: "ASSISTANT", content: "The first deploy failed because SITE_URL was not set. I set it and redeployed.", metadata: { intent: "report_failure", confidence: 0.97 } },
          { role: "USER", content: "Looks great, thanks." },
        ]),
      },
      actions: {
        create: [
          { type: "clone_template", status: "COMPLETED", createdAt: minutesAfter(doneStart, 2), payload: { template: "astro-starlight", destination: "spice-docs" }, result: { repository: "github.com/local/spice-docs", commit: "b71e0d4" } },
          { type: "configure_tooling", status: "COMPLETED", createdAt: minutesAfter(doneStart, 3), payload: { tooling: ["npm", "astro"] }, result: { installed: 388, durationMs: 26_050 } },
          { type: "deploy", status: "FAILED", createdAt: minutesAfter(doneStart, 9), payload: { provider: "netlify", branch: "main" }, result: { error: "Build failed: SITE_URL is not defined", exitCode: 1 } },
          { type: "modify_files", status: "COMPLETED", createdAt: minutesAfter(doneStart, 16), payload: { files: ["astro.config.mjs"], instruction: "set site to https://spice-docs.netlify.app" }, result: { changedFiles: 1 } },
          { type: "deploy", status: "COMPLETED", createdAt: minutesAfter(doneStart, 18), payload: { provider: "netlify", branch: "main" }, result: { url: "https://spice-docs.netlify.app", deploymentId: "6650a1f2c3" } },
        ],
      },
      previews: {
        create: [
          { status: "ERROR", deploymentId: "6650a0b7e1", createdAt: minutesAfter(doneStart, 9), metadata: { error: "Build failed: SITE_URL is not defined" } },
          { status: "LIVE", url: "https://spice-docs.netlify.app", deploymentId: "6650a1f2c3", createdAt: minutesAfter(doneStart, 18) },
        ],
      },
    },
  });
  seed.log("seed 003: 2 build contexts (one active) with 9 actions and 3 previews");
}
