import { Decision } from '../decision';
import type { AttributeValues } from '../eval-context';
import type { AttrValue } from '../trace-view';

/**
 * OTel's rule for attribute policies over resources AND spans:
 * - plain: Sampled when some resource or span value matches, else NotSampled;
 * - inverted: InvertNotSampled when some resource or span value matches, else InvertSampled
 *   (so a trace without the key at all is InvertSampled).
 * `spanMatches` may differ from `resourceMatches` (string_attribute ignores empty span values).
 */
export function matchAcross(
  values: AttributeValues,
  invert: boolean,
  resourceMatches: (v: AttrValue) => boolean,
  spanMatches: (v: AttrValue) => boolean = resourceMatches,
): Decision {
  const { values: all, spansFrom, to } = values;
  let hit = false;
  for (let i = values.from; i < spansFrom; i++) {
    const v = all[i];
    if (v !== undefined && resourceMatches(v)) {
      hit = true;
      break;
    }
  }
  if (!hit) {
    for (let i = spansFrom; i < to; i++) {
      const v = all[i];
      if (v !== undefined && spanMatches(v)) {
        hit = true;
        break;
      }
    }
  }
  if (invert) return hit ? Decision.InvertNotSampled : Decision.InvertSampled;
  return hit ? Decision.Sampled : Decision.NotSampled;
}

/** The string of a string-typed value, else undefined. */
export function stringOf(v: AttrValue): string | undefined {
  return 'string' in v && typeof v.string === 'string' ? v.string : undefined;
}
