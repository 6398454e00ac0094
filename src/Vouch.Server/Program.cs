var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/health/live", () => TypedResults.Ok());
app.Run();

/// <summary>The entry point (named so test hosts can refer to it).</summary>
public partial class Program;
