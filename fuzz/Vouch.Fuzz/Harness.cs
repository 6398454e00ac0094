using System.Globalization;
using SharpFuzz;

namespace Vouch.Fuzz;

/// <summary>The command line of <c>vouch-fuzz</c>: exit 0 done, 1 a finding (replay), 2 bad usage.</summary>
internal static class Harness
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args is ["list"])
        {
            foreach (var name in FuzzTargets.All.Keys.Order(StringComparer.Ordinal))
            {
                output.WriteLine(name);
            }

            return 0;
        }

        if (args.Length < 2 || args[0] is not ("seeds" or "run" or "replay") || !FuzzTargets.All.TryGetValue(args[1], out var target))
        {
            error.WriteLine("usage: vouch-fuzz list | seeds TARGET OUTDIR | run TARGET | replay TARGET PATH...  (targets: vouch-fuzz list)");
            return 2;
        }

        switch (args[0])
        {
            case "seeds" when args.Length == 3:
                var written = Seeds.Write(args[1], target.Seeds, args[2]);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{args[1]}: {written} seeds in {args[2]}"));
                return written > 0 ? 0 : 1;
            case "run" when args.Length == 2:
                // The persistent loop: AFL hands each input over shared memory; an escaping exception is reported as a crash.
                Fuzzer.Run(stream =>
                {
                    using var buffer = new MemoryStream();
                    stream.CopyTo(buffer);
                    target.Run(buffer.ToArray());
                });
                return 0;
            case "replay" when args.Length > 2:
                return Replay(args[1], target.Run, args[2..], output, error);
            default:
                error.WriteLine("usage: vouch-fuzz list | seeds TARGET OUTDIR | run TARGET | replay TARGET PATH...");
                return 2;
        }
    }

    private static int Replay(string name, Action<byte[]> run, string[] paths, TextWriter output, TextWriter error)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal).ToList();
        var findings = 0;
        foreach (var file in files)
        {
            try
            {
                run(File.ReadAllBytes(file));
            }
#pragma warning disable CA1031 // Any exception is the finding being reported.
            catch (Exception e)
#pragma warning restore CA1031
            {
                findings++;
                error.WriteLine($"{name}: {file}: {e}");
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {files.Count} inputs, {findings} findings"));
        return findings == 0 ? 0 : 1;
    }
}
