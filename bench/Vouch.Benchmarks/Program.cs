using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Vouch.Benchmarks.QuoteFloor).Assembly).Run(args);
