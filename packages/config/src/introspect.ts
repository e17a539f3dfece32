import type { z } from 'zod';

/** One leaf option of a config schema: its dotted path, env var name, kind, default and doc. */
export interface OptionInfo {
  path: string;
  env: string;
  kind: 'string' | 'number' | 'boolean' | 'array' | 'enum' | 'other';
  values?: readonly string[];
  defaultValue?: unknown;
  description?: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  defaultValue?: unknown;
  entries?: Record<string, string>;
  in?: z.ZodType;
}

function def(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** `maxBodyBytes` → `MAX_BODY_BYTES`. */
export function toEnvSegment(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]/g, '_').toUpperCase();
}

/** Lists every leaf option of an object schema, depth first, in declaration order. */
export function listOptions(schema: z.ZodType, prefix: string, path: string[] = []): OptionInfo[] {
  const out: OptionInfo[] = [];
  const shape = objectShape(schema);
  if (!shape) return out;
  for (const [key, child] of Object.entries(shape)) {
    const childPath = [...path, key];
    if (objectShape(child)) {
      out.push(...listOptions(child, prefix, childPath));
      continue;
    }
    const { kind, values, defaultValue } = leafKind(child);
    out.push({
      path: childPath.join('.'),
      env: prefix + childPath.map(toEnvSegment).join('_'),
      kind,
      values,
      defaultValue,
      description: (child as { description?: string }).description,
    });
  }
  return out;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let s = schema;
  for (;;) {
    const d = def(s);
    if (d.type === 'object') return d.shape;
    if ((d.type === 'default' || d.type === 'optional' || d.type === 'prefault') && d.innerType) {
      s = d.innerType;
      continue;
    }
    return undefined;
  }
}

function leafKind(schema: z.ZodType): Pick<OptionInfo, 'kind' | 'values' | 'defaultValue'> {
  let s = schema;
  let defaultValue: unknown;
  for (;;) {
    const d = def(s);
    if (d.type === 'default' && d.innerType) {
      defaultValue = d.defaultValue;
      s = d.innerType;
    } else if ((d.type === 'optional' || d.type === 'nullable') && d.innerType) {
      s = d.innerType;
    } else if (d.type === 'pipe' && d.in) {
      s = d.in;
    } else if (d.type === 'enum') {
      return { kind: 'enum', values: Object.values(d.entries ?? {}), defaultValue };
    } else if (d.type === 'string' || d.type === 'number' || d.type === 'boolean' || d.type === 'array') {
      return { kind: d.type, defaultValue };
    } else {
      return { kind: 'other', defaultValue };
    }
  }
}
