// Verifies credentials with the Digital Credentials Consortium's verifier-core, the library the Learner
// Credential Wallet and VerifierPlus use. Reads a JSON array of credentials on stdin and prints one JSON
// array of results: {verdict, errors, log} per credential, where verdict is one of "valid", "revoked",
// "expired", "invalid_signature", or the name of the first fatal error.
//
// "registered_issuer" is not part of the verdict: it says whether the issuer is in one of the DCC's issuer
// registries, and the tests pass none (knownDIDRegistries: []). The result's `schema` is verifier-core's own
// check against 1EdTech's JSON Schema.
//
// Nothing is fetched beyond 127.0.0.1: fetch is replaced before verifier-core is loaded. verifier-core asks
// the web for 1EdTech's JSON Schema of every Open Badge: with OB3_SCHEMA_FILE set, that one URL is answered
// from the local copy of the published schema; otherwise it is refused too (a non-fatal note).

import { readFile } from 'node:fs/promises';

const OB3_SCHEMA_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';
const realFetch = globalThis.fetch;
globalThis.fetch = async (resource, init) => {
  const url = new URL(resource instanceof Request ? resource.url : String(resource));
  if (url.href === OB3_SCHEMA_URL && process.env.OB3_SCHEMA_FILE) {
    const schema = await readFile(process.env.OB3_SCHEMA_FILE, 'utf8');
    return new Response(schema, { headers: { 'Content-Type': 'application/json' } });
  }
  if (url.hostname !== '127.0.0.1') {
    throw new TypeError(`fetch refused: ${url.origin} is not 127.0.0.1 (the tests stay on this machine)`);
  }
  return realFetch(resource, init);
};

const { verifyCredential } = await import('@digitalcredentials/verifier-core');

function verdictOf(result) {
  if (result.errors?.length) {
    return result.errors[0].name;
  }
  const failed = (result.log || []).filter((step) => step.id !== 'registered_issuer' && (step.valid === false || step.error));
  const ids = failed.map((step) => step.id);
  if (ids.includes('revocation_status')) return 'revoked';
  if (ids.includes('expiration')) return 'expired';
  if (ids.length) return ids[0];
  return 'valid';
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const credentials = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const results = [];
for (const credential of credentials) {
  const result = await verifyCredential({ credential, knownDIDRegistries: [] });
  results.push({
    verdict: verdictOf(result),
    schema: (result.additionalInformation || []).find((entry) => entry.id === 'schema_check')?.results,
    errors: (result.errors || []).map((e) => ({ name: e.name, message: e.message })),
    log: (result.log || []).map((step) => ({
      id: step.id, valid: step.valid, error: step.error ? { name: step.error.name, message: step.error.message } : undefined,
    })),
  });
}
process.stdout.write(JSON.stringify(results) + '\n');
