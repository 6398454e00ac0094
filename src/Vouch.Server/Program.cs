using Vouch.Server.Api;
using Vouch.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddVouch();                         // options, secrets, SQLite, engine, authentication, OpenAPI
var app = builder.Build();
app.UseVouch();                             // MAA-shaped errors, request ids, authentication
app.MapOperationsApi();                     // /health/live, /health/ready, /openapi/v1.json, /api
app.MapAttestationApi();                    // MAA data plane at / and /providers/{name}/
app.MapPolicyManagementApi();               // policies and policy signers
app.MapProviderAdminApi();                  // /admin/providers
app.MapCollateralAdminApi();                // /admin/collateral, /admin/collateral:prefetch
app.MapPccsApi();                           // PCCS v4 collateral routes: /sgx|tdx/certification/v4/…
await app.InitializeVouchAsync();           // schema, default provider, signing keys, admin token
await app.RunAsync();

/// <summary>The entry point (named so test hosts can refer to it).</summary>
public partial class Program;
