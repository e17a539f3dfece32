import type { ServiceLanguage } from './topology';

/** What kind of instrumentation produced a span: decides its instrumentation scope. */
export type ScopeCategory = 'http-server' | 'http-client' | 'grpc' | 'db' | 'cache' | 'messaging' | 'internal';

interface LanguageProfile {
  sdkVersion: string;
  runtimeName: string;
  runtimeVersion: string;
  scopeVersion: string;
  /** Instrumentation scope names per category; `internal` spans use the service's own tracer name. */
  scopes: Record<Exclude<ScopeCategory, 'internal'>, string>;
  /** Exception type and a stack-frame format typical for the language. */
  exceptionTypes: string[];
  frame: (service: string, fn: string, line: number) => string;
}

/** Plausible instrumentation scopes, runtimes and exception shapes per SDK language. */
export const LANGUAGE_PROFILES: Record<ServiceLanguage, LanguageProfile> = {
  nodejs: {
    sdkVersion: '1.30.1',
    runtimeName: 'nodejs',
    runtimeVersion: '20.19.1',
    scopeVersion: '0.57.2',
    scopes: {
      'http-server': '@opentelemetry/instrumentation-http',
      'http-client': '@opentelemetry/instrumentation-undici',
      grpc: '@opentelemetry/instrumentation-grpc',
      db: '@opentelemetry/instrumentation-pg',
      cache: '@opentelemetry/instrumentation-ioredis',
      messaging: '@opentelemetry/instrumentation-kafkajs',
    },
    exceptionTypes: ['Error', 'TypeError', 'RangeError'],
    frame: (service, fn, line) => `    at ${fn} (/app/${service}/dist/handlers.js:${line}:17)`,
  },
  java: {
    sdkVersion: '1.46.0',
    runtimeName: 'OpenJDK Runtime Environment',
    runtimeVersion: '21.0.5+11-LTS',
    scopeVersion: '2.12.0-alpha',
    scopes: {
      'http-server': 'io.opentelemetry.tomcat-10.0',
      'http-client': 'io.opentelemetry.java-http-client',
      grpc: 'io.opentelemetry.grpc-1.6',
      db: 'io.opentelemetry.jdbc',
      cache: 'io.opentelemetry.lettuce-5.1',
      messaging: 'io.opentelemetry.kafka-clients-2.6',
    },
    exceptionTypes: ['java.lang.IllegalStateException', 'java.util.concurrent.TimeoutException', 'java.lang.NullPointerException'],
    frame: (service, fn, line) => `\tat com.example.${service.replace(/-/g, '')}.Handlers.${fn}(Handlers.java:${line})`,
  },
  go: {
    sdkVersion: '1.34.0',
    runtimeName: 'go',
    runtimeVersion: 'go1.23.6',
    scopeVersion: '0.59.0',
    scopes: {
      'http-server': 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp',
      'http-client': 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp',
      grpc: 'go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc',
      db: 'github.com/XSAM/otelsql',
      cache: 'github.com/redis/go-redis/extra/redisotel',
      messaging: 'github.com/IBM/sarama/otelsarama',
    },
    exceptionTypes: ['*errors.errorString', '*url.Error', 'context.deadlineExceededError'],
    frame: (service, fn, line) => `example.com/${service}/internal/handlers.${fn}\n\t/src/${service}/internal/handlers/handlers.go:${line}`,
  },
  python: {
    sdkVersion: '1.29.0',
    runtimeName: 'cpython',
    runtimeVersion: '3.12.8',
    scopeVersion: '0.50b0',
    scopes: {
      'http-server': 'opentelemetry.instrumentation.flask',
      'http-client': 'opentelemetry.instrumentation.requests',
      grpc: 'opentelemetry.instrumentation.grpc',
      db: 'opentelemetry.instrumentation.psycopg2',
      cache: 'opentelemetry.instrumentation.redis',
      messaging: 'opentelemetry.instrumentation.confluent_kafka',
    },
    exceptionTypes: ['ValueError', 'KeyError', 'TimeoutError'],
    frame: (service, fn, line) => `  File "/app/${service.replace(/-/g, '_')}/handlers.py", line ${line}, in ${fn}`,
  },
  dotnet: {
    sdkVersion: '1.10.0',
    runtimeName: '.NET',
    runtimeVersion: '8.0.11',
    scopeVersion: '1.10.0',
    scopes: {
      'http-server': 'Microsoft.AspNetCore',
      'http-client': 'System.Net.Http',
      grpc: 'Grpc.Net.Client',
      db: 'Npgsql',
      cache: 'OpenTelemetry.Instrumentation.StackExchangeRedis',
      messaging: 'Confluent.Kafka',
    },
    exceptionTypes: ['System.InvalidOperationException', 'System.TimeoutException', 'System.ArgumentException'],
    frame: (service, fn, line) => `   at Example.${service.replace(/-/g, '')}.Handlers.${fn}() in /src/Handlers.cs:line ${line}`,
  },
};
