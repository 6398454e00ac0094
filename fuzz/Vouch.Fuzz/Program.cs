using Vouch.Fuzz;

// vouch-fuzz: coverage-guided fuzzing harnesses for AFL++ through SharpFuzz (fuzz/README.md).
//   vouch-fuzz list                      the targets
//   vouch-fuzz seeds TARGET OUTDIR       write TARGET's seed corpus (from ../shared/vectors and built-in documents)
//   vouch-fuzz run TARGET                AFL's persistent loop over stdin/shared memory (under afl-fuzz)
//   vouch-fuzz replay TARGET PATH...     each file (or every file of each folder) in-process; exit 1 on a finding
return Harness.Run(args, Console.Out, Console.Error);
