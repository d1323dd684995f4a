'use strict'

/**
 * The error type of @clubos/pattern-learning, and the one place where native errors
 * are turned into it.
 *
 * The native layer (`src/error.rs`) gives every error a stable string `code`; this
 * file makes those errors `PatternLearningError` instances. Errors that napi raises
 * while converting arguments (a number where a string is expected, a missing
 * required field, …) become `PatternLearningError`s with code `INVALID_ARGUMENT`.
 * Errors thrown by the caller's own code while an argument is read (a throwing
 * getter) are re-thrown unchanged.
 */

const { errorKinds } = require('../native.js')

/**
 * Every code a `PatternLearningError` can carry, as constants
 * (`ErrorCode.UNKNOWN_PATTERN === 'UNKNOWN_PATTERN'`): the core's error table
 * (`docs/errors.md`), read from the native module, so no code is listed here by hand.
 */
const ErrorCode = Object.freeze(Object.fromEntries(errorKinds().map((k) => [k.code, k.code])))

const KNOWN_CODES = new Set(Object.values(ErrorCode))

/** napi statuses raised while converting JavaScript arguments to Rust. */
const ARGUMENT_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
  'DetachableArraybufferExpected',
])

/** An error of @clubos/pattern-learning; `code` tells what went wrong. */
class PatternLearningError extends Error {
  /**
   * @param {string} code one of `ErrorCode`
   * @param {string} message
   * @param {ErrorOptions} [options]
   */
  constructor(code, message, options) {
    super(message, options)
    this.name = 'PatternLearningError'
    /** @type {string} */
    this.code = code
  }
}

/**
 * The `PatternLearningError` for an error raised by a native call of `method`; errors
 * that did not come from this package are returned unchanged.
 */
function wrapError(err, method) {
  if (err instanceof PatternLearningError) return err
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    // napi describes a value it cannot convert with JSON.stringify, which overflows
    // on a deeply nested object.
    return new PatternLearningError(ErrorCode.INVALID_ARGUMENT, `${method}: an argument is nested too deeply`)
  }
  const code = err != null && typeof err === 'object' ? err.code : undefined
  if (typeof code !== 'string') return err
  if (KNOWN_CODES.has(code)) {
    const wrapped = new PatternLearningError(code, err.message)
    return wrapped
  }
  if (ARGUMENT_STATUSES.has(code)) {
    return new PatternLearningError(ErrorCode.INVALID_ARGUMENT, `${method}: ${err.message}`)
  }
  if (code === 'GenericFailure' || code === 'PendingException' || code === 'Unknown') {
    return new PatternLearningError(ErrorCode.INTERNAL, `${method}: ${err.message}`, { cause: err })
  }
  return err
}

/** Throws INVALID_ARGUMENT unless `value` is a string (or absent, when optional). */
function checkString(method, name, value, optional = false) {
  if (typeof value === 'string' || (optional && value == null)) return
  throw new PatternLearningError(
    ErrorCode.INVALID_ARGUMENT,
    `${method}: \`${name}\` must be a string${optional ? ' or undefined' : ''}, got ${describe(value)}`,
  )
}

/** Throws INVALID_ARGUMENT unless `value` is a plain object (or absent, when optional). */
function checkObject(method, name, value, optional = true) {
  if (optional && value == null) return
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PatternLearningError(
      ErrorCode.INVALID_ARGUMENT,
      `${method}: \`${name}\` must be ${optional ? 'an object or undefined' : 'an object'}, got ${describe(value)}`,
    )
  }
}

function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value
}

module.exports = { ErrorCode, PatternLearningError, wrapError, checkObject, checkString }
