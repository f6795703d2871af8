// A real OpenID Connect provider on loopback for the school sign-in browser tests (panva's oidc-provider).
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json: {"host", "port", "client_id", "client_secret", "accounts": {login: {email, email_verified, name}},
// "redirect_uris": [more redirect URIs]}.
// The provider's own login page takes any login (its development interactions): the login typed is the
// identity's subject, with the claims its account has in CONFIG.json (read again at every sign-in, so a
// test may add people). The client is a loopback one (RFC 8252): any port of 127.0.0.1 may be its
// redirect URI, so every test server, and nginx in front of two, can use it.
import { readFileSync } from 'node:fs';
import Provider, { interactionPolicy } from 'oidc-provider';

const configFile = process.argv[2];
const config = () => JSON.parse(readFileSync(configFile, 'utf8'));
const { host, port, client_id, client_secret } = config();

// A loopback client is a "native" one, which this provider would ask to confirm every sign-in; a
// school's provider does not ask its staff about the school's own app.
const policy = interactionPolicy.base();
policy.get('consent').checks.remove('native_client_prompt');

const provider = new Provider(`http://${host}:${port}`, {
  clients: [{
    client_id,
    client_secret,
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/oauth2callback'],
    post_logout_redirect_uris: ['http://127.0.0.1/oauth2callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The claims go in the ID token itself: that is what Streamlit puts in st.user.
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    const account = config().accounts[id];
    return {
      accountId: id,
      async claims() {
        return account
          ? { sub: id, name: account.name ?? id, email: account.email, email_verified: account.email_verified }
          : { sub: id, name: id, email: `${id}@unknown.example`, email_verified: true };
      },
    };
  },
  // A school's provider asks no consent for its own app: grant the scopes asked for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  interactions: { policy },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // Signing out of the app signs out here too, without asking again.
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html lang="en"><head><title>Signing out</title></head><body>
          ${form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>')}
          <script>document.forms[0].submit()</script></body></html>`;
      },
    },
  },
  cookies: { keys: ['loopback-test-provider-only-0123456789'] },
});
// Redirect URIs a test adds while the provider runs (nginx's https address): CONFIG.json's "redirect_uris".
for (const method of ['redirectUriAllowed', 'postLogoutRedirectUriAllowed']) {
  const registered = provider.Client.prototype[method];
  provider.Client.prototype[method] = function allowed(value) {
    return registered.call(this, value) || (config().redirect_uris ?? []).includes(value);
  };
}
provider.on('server_error', (ctx, error) => console.error('server_error', error));
provider.listen(port, host, () => console.log(`oidc provider at http://${host}:${port}`));
