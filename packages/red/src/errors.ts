/** Why the RED aggregator refused a call. */
export type RedErrorCode = 'RED_CONFIG_INVALID' | 'RED_OFFSET_NOT_INCREASING';

/**
 * Error raised by @tailstream/red. Never retryable: both codes are programming or configuration
 * mistakes that a retry cannot fix.
 */
export class RedError extends Error {
  readonly retryable = false;
  constructor(
    readonly code: RedErrorCode,
    message: string,
    readonly context: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'RedError';
  }
}
