// Drives Microsoft's own MAA client, @azure/attestation 1.0.0, against a running Vouch server and prints one JSON
// object per scenario on stdout: {"name", "ok", "problems": [...], ...observed values}. Exit code 0 when every
// scenario is ok, 1 otherwise, 2 when the inputs are missing. The client's token validation runs with its defaults
// (signature against /certs, exp, nbf): no validationOptions are passed anywhere.
//
// Started by tests/Vouch.Cli.Tests/Interop/AzureAttestationClientTests.cs; inputs come from the environment:
//   VOUCH_URL               base URL (= issuer) of an AAD-like provider, e.g. https://127.0.0.1:5443
//   VOUCH_ISOLATED_URL      base URL of an isolated provider trusting VOUCH_SIGNER_CERT
//   VOUCH_ADMIN_TOKEN       the server's administrator token (sent as the bearer token)
//   VOUCH_QUOTE_BINARY      SGX quote whose REPORTDATA[0..32) = SHA-256(VOUCH_RUNTIME_BINARY)
//   VOUCH_RUNTIME_BINARY    runtime data bytes for it
//   VOUCH_QUOTE_JSON        SGX quote whose REPORTDATA[0..32) = SHA-256(VOUCH_RUNTIME_JSON)
//   VOUCH_RUNTIME_JSON      runtime data JSON text for it
//   VOUCH_OE_REPORT         Open Enclave report (16-byte header + quote) binding VOUCH_RUNTIME_BINARY
//   VOUCH_SIGNER_KEY, VOUCH_SIGNER_CERT   PEM private key (PKCS#8) and self-signed certificate of the policy signer
//   VOUCH_EXTRA_CERT        PEM certificate added to and removed from the isolated provider's signers
// TLS: run with NODE_EXTRA_CA_CERTS naming the server's certificate.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import {
  AttestationAdministrationClient,
  AttestationClient,
  KnownAttestationType,
} from "@azure/attestation";

const required = [
  "VOUCH_URL", "VOUCH_ISOLATED_URL", "VOUCH_ADMIN_TOKEN", "VOUCH_QUOTE_BINARY", "VOUCH_RUNTIME_BINARY",
  "VOUCH_QUOTE_JSON", "VOUCH_RUNTIME_JSON", "VOUCH_OE_REPORT", "VOUCH_SIGNER_KEY", "VOUCH_SIGNER_CERT", "VOUCH_EXTRA_CERT",
];
const missing = required.filter((name) => !process.env[name]);
if (missing.length) {
  console.error(`maa-client: missing environment variables ${missing.join(", ")}`);
  process.exit(2);
}

const env = process.env;
const url = env.VOUCH_URL;
const isolatedUrl = env.VOUCH_ISOLATED_URL;
const quoteBinary = readFileSync(env.VOUCH_QUOTE_BINARY);
const runtimeBinary = readFileSync(env.VOUCH_RUNTIME_BINARY);
const quoteJson = readFileSync(env.VOUCH_QUOTE_JSON);
const runtimeJson = readFileSync(env.VOUCH_RUNTIME_JSON);
const oeReport = readFileSync(env.VOUCH_OE_REPORT);
const signerKey = readFileSync(env.VOUCH_SIGNER_KEY, "utf8");
const signerCert = readFileSync(env.VOUCH_SIGNER_CERT, "utf8");
const extraCert = readFileSync(env.VOUCH_EXTRA_CERT, "utf8");

// A static TokenCredential: the admin client asks for scope https://attest.azure.net/.default; Vouch wants its own token.
const credential = {
  getToken: async () => ({ token: env.VOUCH_ADMIN_TOKEN, expiresOnTimestamp: Date.now() + 3600 * 1000 }),
};

const client = new AttestationClient(url);
const admin = new AttestationAdministrationClient(url, credential);
const isolatedAdmin = new AttestationAdministrationClient(isolatedUrl, credential);
const isolatedClient = new AttestationClient(isolatedUrl);

const draftPermit =
  'version=1.0; authorizationrules{=> permit();}; issuancerules{c:[type=="x-ms-sgx-mrsigner"] => issue(type="custom-name", value=c.value);};';
const draftDeny = "version=1.0; authorizationrules{=> deny();}; issuancerules{};";
const unsignedPolicy = 'version=1.0; authorizationrules{=> permit();}; issuancerules{=> issue(type="set-by", value="js-unsigned");};';
const signedPolicy = 'version=1.0; authorizationrules{=> permit();}; issuancerules{=> issue(type="set-by", value="js-signed");};';
const isolatedPolicy = 'version=1.0; authorizationrules{=> permit();}; issuancerules{=> issue(type="set-by", value="js-isolated");};';
const refusedPolicy = "version=1.0; authorizationrules{=> deny();}; issuancerules{};";

const hex = (bytes) => (bytes === undefined ? null : Buffer.from(bytes).toString("hex"));
const base64url = (bytes) => (bytes === undefined ? null : Buffer.from(bytes).toString("base64url"));
// PEM (as the client returns certificates) → base64 DER, comparable with the C# side's Convert.ToBase64String(RawData).
const der = (pem) => pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
const signer = (s) => (s ? { keyId: s.keyId ?? null, certificates: s.certificates.map(der) } : null);
const header = (token) => ({ alg: token.algorithm, kid: token.keyId ?? null, iss: token.issuer ?? null });

function errorOf(e) {
  const inner = e?.details?.error?.innererror?.code ?? null;
  return { name: e?.name ?? null, statusCode: e?.statusCode ?? null, code: e?.code ?? null, innerCode: inner, message: String(e?.message ?? e) };
}

const results = [];

// Runs one scenario: body returns the observed values and pushes problems; a thrown error is a failure unless
// the scenario expects one (expectError), in which case its statusCode/code are recorded and checked.
async function scenario(name, body, expectError) {
  const problems = [];
  const check = (condition, what) => {
    if (!condition) problems.push(what);
  };
  const started = Date.now();
  let observed = {};
  try {
    observed = (await body(check)) ?? {};
    if (expectError) problems.push(`expected RestError ${expectError.statusCode} ${expectError.code}, the call succeeded`);
  } catch (e) {
    const error = errorOf(e);
    observed = { error };
    if (!expectError) {
      problems.push(`unexpected error: ${error.name} ${error.statusCode ?? ""} ${error.code ?? ""} ${error.message}`);
    } else {
      check(error.name === "RestError", `expected a RestError, got ${error.name}`);
      check(error.statusCode === expectError.statusCode, `expected statusCode ${expectError.statusCode}, got ${error.statusCode}`);
      check(error.code === expectError.code, `expected code ${expectError.code}, got ${error.code}`);
    }
  }

  const result = { name, ok: problems.length === 0, problems, ms: Date.now() - started, ...observed };
  results.push(result);
  process.stdout.write(JSON.stringify(result) + "\n");
}

function attestation(response) {
  const body = response.body;
  return {
    token: header(response.token),
    issuer: body.issuer,
    mrEnclave: body.mrEnclave ?? null,
    mrSigner: body.mrSigner ?? null,
    isDebuggable: body.isDebuggable ?? null,
    productId: body.productId ?? null,
    svn: body.svn ?? null,
    verifierType: body.verifierType ?? null,
    version: body.version ?? null,
    uniqueId: body.uniqueId ?? null,
    policyHash: base64url(body.policyHash),
    enclaveHeldData: hex(body.enclaveHeldData),
    runTimeClaims: body.runTimeClaims ?? null,
    policyClaims: body.policyClaims ?? null,
    policySigner: signer(body.policySigner),
    quoteHash: body.sgxCollateral?.quotehash ?? null,
  };
}

function policyResult(response) {
  const body = response.body;
  return {
    token: header(response.token),
    policyResolution: body.policyResolution,
    policyTokenHash: base64url(body.policyTokenHash),
    policySigner: signer(body.policySigner),
  };
}

// --- Discovery -----------------------------------------------------------------------------------------------

await scenario("getOpenIdMetadata", async (check) => {
  const metadata = await client.getOpenIdMetadata();
  check(metadata.issuer === url, `issuer ${metadata.issuer} is not ${url}`);
  return { issuer: metadata.issuer, jwksUri: metadata.jwks_uri ?? null };
});

await scenario("getAttestationSigners", async (check) => {
  const signers = await client.getAttestationSigners();
  check(signers.length >= 1, "no signer");
  check(signers.every((s) => s.certificates.length >= 1), "a signer without certificates");
  return { signers: signers.map(signer) };
});

// --- Attestation on the AAD-like provider, default policy ------------------------------------------------------

await scenario("attestSgxEnclave.binaryRuntimeData", async (check) => {
  const response = await client.attestSgxEnclave(quoteBinary, { runTimeData: runtimeBinary });
  const observed = attestation(response);
  check(observed.issuer === url, `issuer ${observed.issuer}`);
  check(observed.enclaveHeldData === hex(runtimeBinary), "enclaveHeldData differs from the runtime data sent");
  check(observed.token.alg !== "none", "the token is unsigned");
  return observed;
});

await scenario("attestSgxEnclave.jsonRuntimeData", async (check) => {
  const response = await client.attestSgxEnclave(quoteJson, { runTimeJson: runtimeJson });
  const observed = attestation(response);
  check(isDeepStrictEqual(observed.runTimeClaims, JSON.parse(runtimeJson.toString("utf8"))), "runTimeClaims differ from the JSON sent");
  check(observed.enclaveHeldData === null, "enclaveHeldData present with JSON runtime data");
  return observed;
});

await scenario("attestOpenEnclave", async (check) => {
  const response = await client.attestOpenEnclave(oeReport, { runTimeData: runtimeBinary });
  const observed = attestation(response);
  check(observed.issuer === url, `issuer ${observed.issuer}`);
  check(observed.enclaveHeldData === hex(runtimeBinary), "enclaveHeldData differs from the runtime data sent");
  return observed;
});

await scenario("attestSgxEnclave.draftPolicyPermit", async (check) => {
  const response = await client.attestSgxEnclave(quoteBinary, { runTimeData: runtimeBinary, draftPolicyForAttestation: draftPermit });
  const observed = attestation(response);
  check(observed.token.alg === "none", `draft-policy token alg ${observed.token.alg}`);
  check(observed.policyClaims?.["custom-name"] === observed.mrSigner, "the draft policy's custom-name claim is not the MRSIGNER");
  return { ...observed, draftPolicy: draftPermit };
});

await scenario(
  "attestSgxEnclave.draftPolicyDeny",
  async () => attestation(await client.attestSgxEnclave(quoteBinary, { runTimeData: runtimeBinary, draftPolicyForAttestation: draftDeny })),
  { statusCode: 400, code: "PolicyEvaluationError" },
);

// --- Policy administration on the AAD-like provider ---------------------------------------------------------------

await scenario("getPolicy.default", async () => {
  const response = await admin.getPolicy(KnownAttestationType.SgxEnclave);
  return { token: header(response.token), policy: response.body };
});

await scenario("setPolicy.unsigned", async (check) => {
  const set = policyResult(await admin.setPolicy(KnownAttestationType.SgxEnclave, unsignedPolicy));
  check(set.policyResolution === "Updated", `policyResolution ${set.policyResolution}`);
  check(set.policySigner === null, "an unsigned policy reported a signer");
  const policy = (await admin.getPolicy(KnownAttestationType.SgxEnclave)).body;
  check(policy === unsignedPolicy, "getPolicy does not return the policy just set");
  return { ...set, policySent: unsignedPolicy, policyAfter: policy };
});

await scenario("setPolicy.signed", async (check) => {
  const set = policyResult(await admin.setPolicy(KnownAttestationType.SgxEnclave, signedPolicy, { privateKey: signerKey, certificate: signerCert }));
  check(set.policyResolution === "Updated", `policyResolution ${set.policyResolution}`);
  check(set.policySigner?.certificates?.[0] === der(signerCert), "policySigner is not the signing certificate");
  const policy = (await admin.getPolicy(KnownAttestationType.SgxEnclave)).body;
  check(policy === signedPolicy, "getPolicy does not return the policy just set");
  const attested = attestation(await client.attestSgxEnclave(quoteBinary, { runTimeData: runtimeBinary }));
  check(attested.policyClaims?.["set-by"] === "js-signed", "attestation did not run under the signed policy");
  return { ...set, policySent: signedPolicy, policyAfter: policy, attestedPolicyClaims: attested.policyClaims, attestedPolicySigner: attested.policySigner };
});

await scenario("resetPolicy", async (check) => {
  const reset = policyResult(await admin.resetPolicy(KnownAttestationType.SgxEnclave));
  check(reset.policyResolution === "Removed", `policyResolution ${reset.policyResolution}`);
  const policy = (await admin.getPolicy(KnownAttestationType.SgxEnclave)).body;
  return { ...reset, policyAfter: policy };
});

// --- Isolated provider: policy signers and signed policies ----------------------------------------------------------

await scenario("isolated.getPolicyManagementCertificates", async (check) => {
  const response = await isolatedAdmin.getPolicyManagementCertificates();
  const signers = response.body.map(signer);
  check(signers.some((s) => s.certificates[0] === der(signerCert)), "the trusted signer is not listed");
  return { token: header(response.token), signers };
});

await scenario("isolated.addPolicyManagementCertificate", async (check) => {
  const response = await isolatedAdmin.addPolicyManagementCertificate(extraCert, signerKey, signerCert);
  check(response.body.certificateResolution === "IsPresent", `certificateResolution ${response.body.certificateResolution}`);
  const listed = (await isolatedAdmin.getPolicyManagementCertificates()).body.map(signer);
  check(listed.some((s) => s.certificates[0] === der(extraCert)), "the added certificate is not listed");
  return {
    token: header(response.token),
    certificateResolution: response.body.certificateResolution,
    certificateThumbprint: response.body.certificateThumbprint,
    signersAfter: listed,
  };
});

await scenario("isolated.removePolicyManagementCertificate", async (check) => {
  const response = await isolatedAdmin.removePolicyManagementCertificate(extraCert, signerKey, signerCert);
  check(response.body.certificateResolution === "IsAbsent", `certificateResolution ${response.body.certificateResolution}`);
  const listed = (await isolatedAdmin.getPolicyManagementCertificates()).body.map(signer);
  check(!listed.some((s) => s.certificates[0] === der(extraCert)), "the removed certificate is still listed");
  return {
    token: header(response.token),
    certificateResolution: response.body.certificateResolution,
    certificateThumbprint: response.body.certificateThumbprint,
    signersAfter: listed,
  };
});

await scenario("isolated.setPolicy.signed", async (check) => {
  const set = policyResult(await isolatedAdmin.setPolicy(KnownAttestationType.SgxEnclave, isolatedPolicy, { privateKey: signerKey, certificate: signerCert }));
  check(set.policyResolution === "Updated", `policyResolution ${set.policyResolution}`);
  const policy = (await isolatedAdmin.getPolicy(KnownAttestationType.SgxEnclave)).body;
  check(policy === isolatedPolicy, "getPolicy does not return the policy just set");
  const attested = attestation(await isolatedClient.attestSgxEnclave(quoteBinary, { runTimeData: runtimeBinary }));
  check(attested.issuer === isolatedUrl, `attestation issuer ${attested.issuer}`);
  return { ...set, policySent: isolatedPolicy, policyAfter: policy, attestedIssuer: attested.issuer, attestedPolicyClaims: attested.policyClaims, attestedPolicySigner: attested.policySigner };
});

await scenario(
  "isolated.setPolicy.unsigned",
  async () => policyResult(await isolatedAdmin.setPolicy(KnownAttestationType.SgxEnclave, refusedPolicy)),
  { statusCode: 400, code: "InvalidOperation" },
);

await scenario("isolated.policyUnchangedAfterRefusal", async (check) => {
  const policy = (await isolatedAdmin.getPolicy(KnownAttestationType.SgxEnclave)).body;
  check(policy === isolatedPolicy, "the refused unsigned policy replaced the signed one");
  return { policy };
});

process.exit(results.every((r) => r.ok) ? 0 : 1);
