import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describeConfig } from './describe';
import { ConfigError, loadConfig } from './load';
import { COMMON_ALIASES, kafkaSection } from './sections';

const schema = z.object({
  kafka: kafkaSection,
  http: z.object({ port: z.number().int().min(1).max(65535).default(8080).describe('port') }).prefault({}),
  mode: z.enum(['fast', 'safe']).default('safe').describe('how to run'),
  enabled: z.boolean().default(true),
  maxBodyBytes: z.number().int().positive().default(1024),
});

function tempYaml(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'c.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const c = loadConfig(schema, { envPrefix: 'T_', env: {} });
    expect(c).toMatchObject({ http: { port: 8080 }, mode: 'safe', enabled: true, maxBodyBytes: 1024 });
    expect(c.kafka.brokers).toEqual(['127.0.0.1:39092']);
  });

  it('layers YAML < env < overrides and converts env values by option type', () => {
    const file = tempYaml('http:\n  port: 9000\nmode: fast\nmaxBodyBytes: 10\n');
    const c = loadConfig(schema, {
      envPrefix: 'T_',
      env: { T_CONFIG: file, T_HTTP_PORT: '9100', T_ENABLED: 'false', T_KAFKA_BROKERS: 'a:1, b:2' },
      overrides: { maxBodyBytes: 20 },
    });
    expect(c.http.port).toBe(9100);
    expect(c.mode).toBe('fast');
    expect(c.enabled).toBe(false);
    expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(c.maxBodyBytes).toBe(20);
  });

  it('accepts aliases, prefixed vars win over them', () => {
    const a = loadConfig(schema, { envPrefix: 'T_', env: { KAFKA_BROKERS: 'x:1' }, aliases: COMMON_ALIASES });
    expect(a.kafka.brokers).toEqual(['x:1']);
    const b = loadConfig(schema, { envPrefix: 'T_', env: { KAFKA_BROKERS: 'x:1', T_KAFKA_BROKERS: 'y:2' }, aliases: COMMON_ALIASES });
    expect(b.kafka.brokers).toEqual(['y:2']);
  });

  it.each([
    [{ T_HTTP_PORT: 'abc' }, /http\.port \(env T_HTTP_PORT\): expected a number, got "abc"/],
    [{ T_ENABLED: 'maybe' }, /enabled \(env T_ENABLED\): expected true or false, got "maybe"/],
    [{ T_MODE: 'turbo' }, /mode \(env T_MODE\): .*allowed: fast, safe/],
    [{ T_HTTP_PORT: '70000' }, /http\.port \(env T_HTTP_PORT\): Too big/],
  ])('names the bad option and what is allowed: %o', (env, message) => {
    expect(() => loadConfig(schema, { envPrefix: 'T_', env })).toThrow(message);
  });

  it('reports every problem at once, including a broken YAML file', () => {
    const file = tempYaml('http: [1, 2');
    try {
      loadConfig(schema, { envPrefix: 'T_', env: { T_CONFIG: file, T_ENABLED: 'nope' } });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems.some((p) => p.startsWith(`config file ${file}`))).toBe(true);
      expect(problems.some((p) => p.startsWith('enabled (env T_ENABLED)'))).toBe(true);
    }
  });
});

describe('describeConfig', () => {
  it('documents every option with its env var and default', () => {
    const table = describeConfig(schema, 'T_');
    expect(table).toContain('| `http.port` | `T_HTTP_PORT` | `8080` | port |');
    expect(table).toContain('| `mode` | `T_MODE` | `"safe"` | how to run One of: `fast`, `safe`. |');
    expect(table).toContain('`kafka.saslMechanism`');
  });
});
