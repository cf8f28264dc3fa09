// Tokens from an identity provider that publishes its keys (Clerk, Auth0, …): RS256/ES256 verified
// against a real JWKS endpoint served over HTTP, with key rotation, issuer and audience checks.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { errorCodes, JWT_SECRET, ok, startTestServer, type TestServer } from "./support/server.ts";

const ISSUER = "https://issuer.test";
const AUDIENCE = "threadline";

interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: SigningKey["alg"]): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** A real HTTP JWKS endpoint whose published keys (and answer) the test controls. */
class KeySetServer {
  published: SigningKey[] = [];
  status = 200;
  requests = 0;
  private server!: Server;
  url!: string;

  async start() {
    this.server = createServer((_request, response) => {
      this.requests += 1;
      response.writeHead(this.status, { "content-type": "application/json" });
      response.end(this.status === 200 ? JSON.stringify({ keys: this.published.map((key) => key.jwk) }) : "{}");
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function sign(key: SigningKey, sub: string, claims: { iss?: string; aud?: string; kid?: string } = {}) {
  return new SignJWT({ email: `${sub}@example.test` })
    .setProtectedHeader({ alg: key.alg, kid: claims.kid ?? key.kid })
    .setSubject(sub)
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key.privateKey);
}

const viewer = `{ viewer { externalId email } }`;
const jwksEnv = () => ({ AUTH_JWKS_URL: keys.url, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE });
let keys: KeySetServer;
let t: TestServer;
let rsa: SigningKey;
let ec: SigningKey;

beforeAll(async () => {
  keys = new KeySetServer();
  await keys.start();
  [rsa, ec] = await Promise.all([signingKey("rsa-1", "RS256"), signingKey("ec-1", "ES256")]);
  keys.published = [rsa, ec];
  // No cooldown here, so each test's rotation is fetched at once; the cooldown has its own test.
  t = await startTestServer({ auth: "local", env: { ...jwksEnv(), AUTH_JWKS_COOLDOWN_MS: "0" } });
});

afterAll(async () => {
  await t?.close();
  await keys?.stop();
});

describe("JWKS (RS256/ES256)", () => {
  it("accepts RS256 and ES256 tokens signed by published keys, creating the user on first sight", async () => {
    const asRsa = ok(await t.gql(viewer, {}, { token: await sign(rsa, "user_clerk_rsa") })).viewer;
    expect(asRsa).toEqual({ externalId: "user_clerk_rsa", email: "user_clerk_rsa@example.test" });
    const asEc = ok(await t.gql(viewer, {}, { token: await sign(ec, "user_clerk_ec") })).viewer;
    expect(asEc.externalId).toBe("user_clerk_ec");
    expect(await t.db.prisma.user.count({ where: { externalId: { in: ["user_clerk_rsa", "user_clerk_ec"] } } })).toBe(2);
  });

  it("fetches the key set once and reuses it", async () => {
    const before = keys.requests;
    for (let i = 0; i < 3; i += 1) ok(await t.gql(viewer, {}, { token: await sign(rsa, "user_clerk_rsa") }));
    expect(keys.requests).toBe(before);
  });

  it("picks up a rotated key the first time a token names it", async () => {
    const rotated = await signingKey("rsa-2", "RS256");
    const token = await sign(rotated, "user_rotated");
    keys.published = [rotated, ec];
    const before = keys.requests;
    expect(ok(await t.gql(viewer, {}, { token })).viewer.externalId).toBe("user_rotated");
    expect(keys.requests).toBe(before + 1);
  });

  it("rejects a token whose key is not published, or that lies about its key id", async () => {
    const stranger = await signingKey("rsa-stranger", "RS256");
    const unknownKey = await t.gql(viewer, {}, { token: await sign(stranger, "user_mallory") });
    expect(unknownKey.status).toBe(401);
    expect(errorCodes(unknownKey)).toEqual(["UNAUTHENTICATED"]);
    expect(unknownKey.errors![0].message).toMatch(/signing key is not in the issuer's key set/);

    const borrowedKid = await t.gql(viewer, {}, { token: await sign(stranger, "user_mallory", { kid: ec.kid }) });
    expect(errorCodes(borrowedKid)).toEqual(["UNAUTHENTICATED"]);
    expect(await t.db.prisma.user.count({ where: { externalId: "user_mallory" } })).toBe(0);
  });

  it("checks the issuer and the audience", async () => {
    expect(errorCodes(await t.gql(viewer, {}, { token: await sign(ec, "user_x", { iss: "https://evil.test" }) }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.gql(viewer, {}, { token: await sign(ec, "user_x", { aud: "another-api" }) }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses HS256 when no secret is configured (no algorithm confusion with the public key) and alg none", async () => {
    const hs = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("user_x").setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime("5m").sign(new TextEncoder().encode(JWT_SECRET));
    const response = await t.gql(viewer, {}, { token: hs });
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
    expect(response.errors![0].message).toMatch(/signed with HS256; accepted: RS256, ES256/);

    const header = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    const body = Buffer.from(JSON.stringify({ sub: "user_x", iss: ISSUER, aud: AUDIENCE })).toString("base64url");
    expect(errorCodes(await t.gql(viewer, {}, { token: `${header}.${body}.` }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.gql(viewer, {}, { token: "not-a-jwt" }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("says so when the key set cannot be loaded, and recovers when it can", async () => {
    const fresh = await signingKey("rsa-3", "RS256");
    keys.status = 503;
    const down = await t.gql(viewer, {}, { token: await sign(fresh, "user_later") });
    expect(errorCodes(down)).toEqual(["UNAUTHENTICATED"]);
    expect(down.errors![0].message).toMatch(/key set could not be loaded/);
    keys.status = 200;
    keys.published = [fresh];
    expect(ok(await t.gql(viewer, {}, { token: await sign(fresh, "user_later") })).viewer.externalId).toBe("user_later");
  });

  it("does not refetch the key set for every unknown key id within the cooldown", async () => {
    keys.published = [rsa];
    const guarded = await startTestServer({ auth: "local", db: t.db, env: jwksEnv() });
    try {
      ok(await guarded.gql(viewer, {}, { token: await sign(rsa, "user_clerk_rsa") }));
      const before = keys.requests;
      for (let i = 0; i < 5; i += 1) {
        const forged = await sign(await signingKey(`flood-${i}`, "ES256"), "user_mallory");
        expect(errorCodes(await guarded.gql(viewer, {}, { token: forged }))).toEqual(["UNAUTHENTICATED"]);
      }
      expect(keys.requests).toBe(before);
    } finally {
      await guarded.close();
    }
  });
});

describe("JWKS and HS256 together", () => {
  it("verifies each token by its own algorithm", async () => {
    const both = await startTestServer({ db: t.db, env: { ...jwksEnv(), AUTH_JWKS_COOLDOWN_MS: "0" } });
    try {
      const hs = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("user_hs").setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime("5m").sign(new TextEncoder().encode(JWT_SECRET));
      expect(ok(await both.gql(viewer, {}, { token: hs })).viewer.externalId).toBe("user_hs");
      keys.published = [ec];
      expect(ok(await both.gql(viewer, {}, { token: await sign(ec, "user_clerk_ec") })).viewer.externalId).toBe("user_clerk_ec");
    } finally {
      await both.close();
    }
  });
});
