'use strict';
/** Command-line flags of bench/run.js. */

const USAGE = `Usage: node bench/run.js [--only NAME[,NAME...]] [--quick] [--profile] [--keep-topics]

Runs the Tailstream benchmarks: each stage alone, then the whole pipeline (fixed seeds).
Writes bench/results/bench-<ISO date>.json and bench/results/latest.json, prints a table.

  --only LIST     run only these benches: %NAMES%
  --quick         short smoke run (small inputs, fewer repetitions): for developers, not for figures
  --profile       run the workers with node --cpu-prof; profiles and a top-functions summary go to
                  bench/results/profiles/<run>/
  --keep-topics   do not delete the run's Kafka topics at the end
  --help          this text

Environment: KAFKA_BROKERS (else the local broker of deploy/local is used, started if needed and
then stopped), CLICKHOUSE_URL (the aggregator bench also loads into that server).`;

/** Parses argv; throws an Error with the usage text on bad input. */
function parseArgs(argv, names, defaults = names) {
  const optIn = names.filter((n) => !defaults.includes(n));
  const usage = USAGE.replace('%NAMES%', names.join(', ') + (optIn.length ? ` (${optIn.join(', ')} only when named)` : ''));
  const out = { only: [...defaults], quick: false, profile: false, keepTopics: false, help: false, usage };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') out.quick = true;
    else if (arg === '--profile') out.profile = true;
    else if (arg === '--keep-topics') out.keepTopics = true;
    else if (arg === '--help' || arg === '-h') out.help = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!value) throw new Error(`--only needs a list of benches\n\n${usage}`);
      const wanted = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = wanted.filter((w) => !names.includes(w));
      if (unknown.length > 0) throw new Error(`unknown bench ${unknown.join(', ')}; known: ${names.join(', ')}`);
      out.only = names.filter((n) => wanted.includes(n));
    } else {
      throw new Error(`unknown argument ${arg}\n\n${usage}`);
    }
  }
  return out;
}

module.exports = { parseArgs };
