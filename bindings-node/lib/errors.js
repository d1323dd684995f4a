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

/** Every code a `PatternLearningError` can carry. */
const ErrorCode = Object.freeze({
  /** An argument has the wrong type or an unusable value. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A configuration value is out of range or not a finite number. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** Thresholds must satisfy 0 <= queue <= suggest <= auto <= 1. */
  THRESHOLDS_OUT_OF_ORDER: 'THRESHOLDS_OUT_OF_ORDER',
  /** A settings document named a key this version does not know. */
  UNKNOWN_SETTING: 'UNKNOWN_SETTING',
  /** No (live) pattern has this id. */
  UNKNOWN_PATTERN: 'UNKNOWN_PATTERN',
  /** A pattern needs a trigger example with words and a non-empty reply. */
  INVALID_PATTERN: 'INVALID_PATTERN',
  /** A message or reply is larger than `maxMessageBytes`. */
  TEXT_TOO_LONG: 'TEXT_TOO_LONG',
  /** A feedback event is not usable as given. */
  INVALID_FEEDBACK: 'INVALID_FEEDBACK',
  /** An embedding has the wrong dimension or non-finite values. */
  INVALID_EMBEDDING: 'INVALID_EMBEDDING',
  /** A negative-sentiment rule (regular expression) does not compile. */
  INVALID_RULE: 'INVALID_RULE',
  /** A document (configuration, settings) could not be parsed: unknown key, wrong type. */
  PARSE_ERROR: 'PARSE_ERROR',
  /** The store was written by a newer version of the library. */
  SCHEMA_TOO_NEW: 'SCHEMA_TOO_NEW',
  /** The store file is not a pattern-learning store, or it is damaged. */
  CORRUPT_STORE: 'CORRUPT_STORE',
  /** Another engine holds the store. */
  STORE_LOCKED: 'STORE_LOCKED',
  /** Reading or writing the store failed. */
  STORE_ERROR: 'STORE_ERROR',
  /** The MiniLM model directory (`minilmDir`) is missing, incomplete or wrong. */
  INVALID_MODEL: 'INVALID_MODEL',
  /** The option needs a build with a cargo feature this build lacks (`minilm`). */
  FEATURE_NOT_ENABLED: 'FEATURE_NOT_ENABLED',
  /** Rows of an import could not be read; nothing was imported. */
  IMPORT_ERROR: 'IMPORT_ERROR',
  /** The engine was closed (`close()`); open or create a new one. */
  ENGINE_CLOSED: 'ENGINE_CLOSED',
  /** A core error this version of the binding has no code for yet. */
  PATTERN_LEARNING_ERROR: 'PATTERN_LEARNING_ERROR',
  /** A bug in pattern-learning (a caught panic); please report it. */
  INTERNAL: 'INTERNAL',
})

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
