import type { z } from 'zod';
import { listOptions } from './introspect';

/** A Markdown table of every option of a config schema (env var, default, description). */
export function describeConfig(schema: z.ZodType, envPrefix: string): string {
  const rows = listOptions(schema, envPrefix).map((o) => {
    const def = o.defaultValue === undefined ? '' : `\`${JSON.stringify(o.defaultValue)}\``;
    const allowed = o.values ? ` One of: ${o.values.map((v) => `\`${v}\``).join(', ')}.` : '';
    return `| \`${o.path}\` | \`${o.env}\` | ${def} | ${(o.description ?? '').replace(/\|/g, '\\|')}${allowed} |`;
  });
  return ['| option (YAML path) | env var | default | description |', '|---|---|---|---|', ...rows].join('\n');
}
