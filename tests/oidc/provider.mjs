// A real OpenID Connect provider (the npm package oidc-provider) for Grannar's sign-in tests.
//
//   node provider.mjs        with OIDC_PORT, OIDC_CLIENTS and OIDC_ACCOUNTS in the environment
//
// OIDC_CLIENTS: JSON list of {client_id, client_secret}. Clients are registered as native
// applications with a loopback redirect URI, so that the redirect matches on any port
// (RFC 8252, section 7.3): the test server's port is chosen when the tests run.
// OIDC_ACCOUNTS: JSON object, login name -> {email, email_verified, amr, acr, audience}.
// `audience` (a client id) makes the account's ID tokens name that client as audience, as a
// misbehaving provider would; the relying party must refuse them.
// The login page asks only for the login name, and offers to cancel; consent is implied.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');
const REDIRECT_URI = 'http://localhost/account/sso/callback/';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: clients.map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    application_type: 'native',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  })),
  jwks: { keys: [signingKey] },
  cookies: { keys: ['grannar-test-provider-only'] },
  // As most providers do, the ID token always says how the person signed in (acr, amr).
  claims: {
    iss: null, openid: ['sub', 'acr', 'amr', 'auth_time', 'sid'], email: ['email', 'email_verified'],
  },
  acrValues: [...new Set(Object.values(accounts).map((account) => account.acr).filter(Boolean))],
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { Interaction: 600, Session: 3600, Grant: 3600 },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email, email_verified: account.email_verified !== false };
      },
    };
  },
});

// Tokens for an account with `audience` are issued as if to that other client.
const issueIdToken = provider.IdToken.prototype.issue;
provider.IdToken.prototype.issue = async function issue(options) {
  const audience = accounts[this.available.sub]?.audience;
  if (options?.use === 'idtoken' && audience) {
    this.client = await provider.Client.find(audience);
  }
  return issueIdToken.call(this, options);
};

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error = '') {
  return `<!doctype html>
<html lang="sv">
<head><meta charset="utf-8"><title>Testleverantör – logga in</title></head>
<body>
<main>
<h1>Logga in hos testleverantören</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">Användarnamn</label>
<input id="login" name="login" autocomplete="username" required>
<button type="submit">Fortsätt</button>
</form>
<form method="post" action="/interaction/${uid}/abort">
<button type="submit">Avbryt</button>
</form>
</main>
</body>
</html>`;
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (details.prompt.name === 'consent') {
    // Every client here is first-party: the person consents by signing in.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (req.method === 'GET' && !action) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(loginPage(uid));
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405);
    res.end();
    return;
  }
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'The person cancelled the sign-in.',
    }, { mergeWithLastSubmission: false });
    return;
  }
  const login = (await formBody(req)).get('login') || '';
  const account = accounts[login];
  if (!account) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(loginPage(uid, 'Okänt användarnamn.'));
    return;
  }
  const result = { login: { accountId: login, amr: account.amr, acr: account.acr } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(req.url.split('?')[0]);
  if (!match) {
    handle(req, res);
    return;
  }
  interaction(req, res, match[1], match[2]).catch((error) => {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`interaction failed: ${error.message}`);
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on ${issuer}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
