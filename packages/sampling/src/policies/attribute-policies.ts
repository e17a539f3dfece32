import type { EvalContext } from '../eval-context';
import type { Decision } from '../decision';
import type { BooleanAttributeConfig, NumericAttributeConfig, StringAttributeConfig } from '../policy-config';
import type { AttrValue } from '../trace-view';
import { matchAcross, stringOf } from './attribute-match';
import type { Evaluator } from './evaluator';
import { compileGoRegex } from './go-regex';

/** Base for the attribute policies: keep every match, read one key. */
abstract class AttributePolicy implements Evaluator {
  constructor(
    readonly name: string,
    protected readonly key: string,
  ) {}
  abstract evaluate(ctx: EvalContext): Decision;
  adjustedCount(): number {
    return 1;
  }
  collectAttributeKeys(keys: Set<string>): void {
    keys.add(this.key);
  }
}

/**
 * `string_attribute`: a string value of `key` equals one of `values`, or, with
 * enabled_regex_matching, one of the regular expressions finds a match in it (unanchored, as
 * Go's MatchString). Empty span values are ignored, as in OTel. Non-string values never match.
 */
export class StringAttributeFilter extends AttributePolicy {
  private readonly invert: boolean;
  // made once: evaluate() runs per trace and allocates nothing itself
  private readonly resourceMatches: (v: AttrValue) => boolean;
  private readonly spanMatches: (v: AttrValue) => boolean;

  constructor(config: StringAttributeConfig) {
    super(config.name, config.key);
    this.invert = config.invertMatch;
    let matches: (s: string) => boolean;
    if (config.enabledRegexMatching) {
      const patterns = config.values.map(compileGoRegex);
      matches = (s) => {
        for (const p of patterns) if (p.test(s)) return true;
        return false;
      };
    } else {
      const exact = new Set(config.values.filter((v) => v !== ''));
      matches = (s) => exact.has(s);
    }
    this.resourceMatches = (v) => {
      const s = stringOf(v);
      return s !== undefined && matches(s);
    };
    this.spanMatches = (v) => {
      const s = stringOf(v);
      return s !== undefined && s !== '' && matches(s);
    };
  }

  evaluate(ctx: EvalContext): Decision {
    return matchAcross(ctx.values(this.key), this.invert, this.resourceMatches, this.spanMatches);
  }
}

/**
 * `numeric_attribute`: an int (or double) value of `key` lies in [min_value, max_value]
 * (a missing bound is unbounded). Values of other types never match.
 */
export class NumericAttributeFilter extends AttributePolicy {
  private readonly invert: boolean;
  private readonly min: number | undefined;
  private readonly max: number | undefined;
  private readonly minBig: bigint | undefined;
  private readonly maxBig: bigint | undefined;

  constructor(config: NumericAttributeConfig) {
    super(config.name, config.key);
    this.invert = config.invertMatch;
    this.min = config.minValue;
    this.max = config.maxValue;
    this.minBig = config.minValue === undefined ? undefined : BigInt(config.minValue);
    this.maxBig = config.maxValue === undefined ? undefined : BigInt(config.maxValue);
  }

  evaluate(ctx: EvalContext): Decision {
    return matchAcross(ctx.values(this.key), this.invert, this.inRange);
  }

  private readonly inRange = (v: AttrValue): boolean => {
    if ('int' in v) {
      const n = v.int;
      return (this.minBig === undefined || n >= this.minBig) && (this.maxBig === undefined || n <= this.maxBig);
    }
    if ('double' in v) {
      const n = v.double;
      return (this.min === undefined || n >= this.min) && (this.max === undefined || n <= this.max);
    }
    return false;
  };
}

/** `boolean_attribute`: a bool value of `key` equals `value`. Values of other types never match. */
export class BooleanAttributeFilter extends AttributePolicy {
  private readonly invert: boolean;
  private readonly value: boolean;

  constructor(config: BooleanAttributeConfig) {
    super(config.name, config.key);
    this.invert = config.invertMatch;
    this.value = config.value;
  }

  evaluate(ctx: EvalContext): Decision {
    return matchAcross(ctx.values(this.key), this.invert, this.isWanted);
  }

  private readonly isWanted = (v: AttrValue): boolean => 'bool' in v && v.bool === this.value;
}
