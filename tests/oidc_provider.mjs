// A real OpenID Connect provider for the SSO tests: panva's certified oidc-provider (npm), on
// loopback, with its development login form (any login name; the password is not checked).
// Usage: node tests/oidc_provider.mjs PORT  with OIDC_CLIENT (JSON: client_id, client_secret,
// redirect_uris) and OIDC_ACCOUNTS (JSON: login name -> claims) in the environment.
import Provider from "oidc-provider";

const port = Number(process.argv[2]);
const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS);

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      ...client,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  async findAccount(ctx, id) {
    const claims = accounts[id] || { email: `${id}@unknown.example`, email_verified: false };
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  cookies: { keys: ["kompetanseportalen-test-only"] },
  features: { devInteractions: { enabled: true } },
  ttl: { Session: 600, Interaction: 600, Grant: 600 },
});
provider.proxy = false;
provider.listen(port, "127.0.0.1", () => console.log(`oidc-provider listening on ${port}`));
