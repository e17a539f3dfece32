import { readFileSync } from 'node:fs';
import { MemoryBudget, TraceBuffer } from '@tailstream/assembly';
import { readRecordedTraces } from '@tailstream/loadgen';
import { getAttribute } from '@tailstream/otlp';
import { loadPolicyFile, PolicyEngine, PolicyFileError, type AttrValue } from '@tailstream/sampling';
import { EXIT, parseFlags, UsageError, type Command } from '../command';
import { formatTable } from '../table';

export const policiesCommand: Command = {
  name: 'policies',
  summary: 'validate a policy file, or replay recorded traces through it',
  help: `Usage: tailstream policies validate FILE
       tailstream policies test FILE --traces RECORDED [--json]

validate  checks a policy file (Tailstream format or an OpenTelemetry Collector tail_sampling
          block) and prints its policies and version; exit code 3 names each problem.
test      replays recorded traces (tailstream loadgen --record FILE) through the policies,
          without Kafka, and reports the keep rate and kept traces/spans per deciding policy
          (and per shadow policy).`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { traces: { type: 'string' }, json: { type: 'boolean' } });
    const [action, file] = positionals;
    if (!file) throw new UsageError('policies: give a policy FILE');
    let loaded;
    try {
      loaded = loadPolicyFile(readFileSync(file, 'utf8'));
    } catch (error) {
      if (error instanceof PolicyFileError) {
        console.error(`${file}: ${error.message}`);
        return EXIT.INVALID;
      }
      throw error;
    }
    if (action === 'validate') {
      console.log(`${file}: valid (${loaded.format} format), version ${loaded.version}`);
      for (const p of loaded.policies) console.log(`  policy ${p.name} (${p.type})`);
      for (const p of loaded.shadowPolicies ?? []) console.log(`  shadow policy ${p.name} (${p.type})`);
      for (const note of loaded.ignored) console.log(`  note: ${note}`);
      return EXIT.OK;
    }
    if (action !== 'test') throw new UsageError(`policies: expected validate or test, got ${action ?? 'nothing'}`);
    if (!values.traces) throw new UsageError('policies test: --traces RECORDED is required');

    const batches = await readRecordedTraces(values.traces as string);
    const buffer = new TraceBuffer({ budget: new MemoryBudget({ maxBufferedSpans: Number.MAX_SAFE_INTEGER, maxBufferedBytes: Number.MAX_SAFE_INTEGER }), config: { maxSpansPerTrace: Number.MAX_SAFE_INTEGER, maxBytesPerTrace: Number.MAX_SAFE_INTEGER } });
    batches.forEach((b, i) => buffer.add(b, i, 0));
    const traces = buffer.decideAll(0);
    const engine = new PolicyEngine({
      policies: loaded.policies,
      shadowPolicies: loaded.shadowPolicies,
      version: loaded.version,
      sampleOnFirstMatch: loaded.sampleOnFirstMatch,
      reader: { get: (buf, key) => (getAttribute(buf, key) as AttrValue | undefined) },
    });
    const byPolicy = new Map<string, { traces: number; spans: number; shadowTraces: number }>();
    const row = (name: string) => {
      let r = byPolicy.get(name);
      if (!r) byPolicy.set(name, (r = { traces: 0, spans: 0, shadowTraces: 0 }));
      return r;
    };
    let kept = 0;
    let keptSpans = 0;
    let spans = 0;
    for (const trace of traces) {
      spans += trace.spanCount;
      const decision = engine.evaluate(trace);
      if (decision.sampled) {
        kept++;
        keptSpans += trace.spanCount;
        const r = row(decision.policy);
        r.traces++;
        r.spans += trace.spanCount;
      }
      const shadow = engine.evaluateShadow(trace);
      if (shadow?.sampled) row(`shadow:${shadow.policy}`).shadowTraces++;
    }
    const report = {
      file,
      version: loaded.version,
      traces: traces.length,
      spans,
      keptTraces: kept,
      keptSpans,
      keepRatePct: traces.length === 0 ? 0 : Math.round((10000 * kept) / traces.length) / 100,
      byPolicy: [...byPolicy].map(([policy, r]) => ({ policy, kept_traces: r.traces, kept_spans: r.spans, shadow_would_keep: r.shadowTraces })),
    };
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`${report.traces} traces (${report.spans} spans) through ${file} (version ${report.version}):`);
      console.log(`kept ${report.keptTraces} traces (${report.keepRatePct}%), ${report.keptSpans} spans\n`);
      console.log(formatTable(report.byPolicy));
    }
    return EXIT.OK;
  },
};
