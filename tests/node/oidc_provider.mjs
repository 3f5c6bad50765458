// A real OpenID provider for the single sign-on tests: npm `oidc-provider` (a certified implementation),
// on 127.0.0.1 and a port the system picks. The tests start it with subprocess and read one line from
// stdout, "ready <issuer>", before they use it.
//
// Input, as environment variables (JSON):
//   OIDC_CLIENTS   [{client_id, client_secret, redirect_uris, post_logout_redirect_uris}]
//   OIDC_ACCOUNTS  [{sub, username, password, email, email_verified, name}]
// Every client authenticates with client_secret_basic and must send a PKCE S256 challenge. People sign in
// on a small form (username, password) at /interaction/<uid>; consent is given at once.
import http from 'node:http';
import Provider from 'oidc-provider';

const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '[]');

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, message) {
  return `<!doctype html><html lang="en"><title>Test IdP sign-in</title>
<form method="post" action="/interaction/${escape(uid)}/login">
${message ? `<p role="alert">${escape(message)}</p>` : ''}
<label>Username <input name="username"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

let provider;

async function interaction(req, res) {
  const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== match[1]) throw new Error('interaction mismatch');
  if (req.method === 'GET') {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(loginPage(details.uid));
    return;
  }
  const form = await readForm(req);
  const account = accounts.find((a) => a.username === form.get('username') && a.password === form.get('password'));
  if (!account) {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(loginPage(details.uid, 'Wrong username or password.'));
    return;
  }
  const grant = new provider.Grant({ accountId: account.sub, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: account.sub }, consent: { grantId } },
    { mergeWithLastSubmission: false });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 400;
      res.end(String(error && error.message));
    });
    return;
  }
  provider.callback()(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, {
    clients: clients.map((client) => ({
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      ...client,
    })),
    findAccount: async (ctx, sub) => {
      const account = accounts.find((a) => a.sub === sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub, email: account.email, email_verified: account.email_verified, name: account.name,
        }),
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'email', 'profile'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (ctx, found) => `/interaction/${found.uid}` },
    cookies: { keys: ['peercert-test-idp-cookie-key'] },
  });
  provider.proxy = false;
  process.stdout.write(`ready ${issuer}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
