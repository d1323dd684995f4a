'use strict'

/**
 * V1's two services, `patternLearningService` and `patternSafetyService`
 * (docs/v1-behaviour.md), with V1's method names, argument order and result shapes,
 * on top of a `PatternEngine`. The mapping itself, the configuration of the
 * service's engine and where it keeps its state live in the core (`core/src/v1/`);
 * this file only converts arguments, maps errors and keeps V1's "never throws"
 * promises:
 *
 * - `processMessage` never rejects: a failure resolves to
 *   `{ action: 'escalate', reason: 'processing_error' }` and is logged.
 * - `learnFromHumanResponse`, `recordOperatorResponse` and `recordLearningExample`
 *   never reject: failures are logged and resolve to `{ learned: false, skipped: 'error' }`.
 * - `updatePatternConfidence` and `recordPatternUsage` never reject (a failure
 *   resolves to `null`), `checkPatternApproval` resolves to "approval required",
 *   `checkMinimumExamples` to `false`, as V1's did.
 * - Everything else rejects (or throws) with a `PatternLearningError`.
 *
 * A service opens its engine once: on the store its options or the environment
 * name (PATTERN_LEARNING_STORE), off the JS thread, or in memory.
 */

const native = require('../native.js')
const { PatternEngine, adopt, nativeOf, call, callAsync } = require('./engine.js')
const { ErrorCode, PatternLearningError, checkObject, wrapError } = require('./errors.js')
const pure = require('./v1-pure.js')

/** V1 passed conversation ids and phone numbers as numbers or strings. */
function idArg(value) {
  if (value == null || value === '') return undefined
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  return value
}

/** V1 pattern ids were numbers; accept their decimal string form too. */
function patternIdArg(value) {
  if (value == null || value === '') return undefined
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return value
}

/** The options the core makes a service's engine from (all but `engine`, `logger`). */
function engineOptions({ profile, config, store, safetyThresholds, safetySettings }) {
  return { profile, config, store, safetyThresholds, safetySettings }
}

class PatternLearningService {
  #engine
  #opening
  #options
  #logger

  /**
   * A service whose engine opens on first use (or `await service.ready()`).
   * @param {import('..').V1ServiceOptions} [options]
   */
  constructor(options) {
    checkObject('createV1Service', 'options', options)
    this.#options = options ?? {}
    const { engine, logger, store } = this.#options
    if (engine !== undefined && !(engine instanceof PatternEngine)) {
      throw new PatternLearningError(ErrorCode.INVALID_ARGUMENT, 'createV1Service: `engine` must be a PatternEngine')
    }
    if (engine !== undefined && store !== undefined) {
      throw new PatternLearningError(ErrorCode.INVALID_ARGUMENT, 'createV1Service: give `engine` or `store`, not both')
    }
    this.#engine = engine
    this.#logger = logger === undefined ? console : logger
  }

  /**
   * Opens the service's engine (once): on its store — the `store` option, else
   * PATTERN_LEARNING_STORE — off the JS thread, or in memory. Rejects with a
   * `PatternLearningError`: `INVALID_CONFIG` (key `store`) in production without a
   * store, the store's errors. A failed open is tried again by the next call.
   * @returns {Promise<PatternEngine>}
   */
  ready() {
    if (this.#engine !== undefined) return Promise.resolve(this.#engine)
    if (this.#opening === undefined) {
      this.#opening = callAsync('ready', () => native.v1OpenService(engineOptions(this.#options))).then(
        (opened) => {
          this.#engine = adopt(opened)
          return this.#engine
        },
        (err) => {
          this.#opening = undefined
          throw err
        },
      )
    }
    return this.#opening
  }

  /**
   * The engine behind the service. A service in memory creates it on first use; a
   * service with a store throws `ENGINE_CLOSED` until it is open (`await ready()`).
   */
  get engine() {
    if (this.#engine !== undefined) return this.#engine
    const options = engineOptions(this.#options)
    const store = call('engine', () => native.v1ServiceStore(options))
    if (store !== null || this.#opening !== undefined) {
      throw new PatternLearningError(
        ErrorCode.ENGINE_CLOSED,
        'the service opens its store off the JS thread and is not open yet: await service.ready() first',
      )
    }
    this.#engine = adopt(call('engine', () => native.v1OpenMemoryService(options)))
    return this.#engine
  }

  /** Releases the engine (and its store) now; later calls fail with `ENGINE_CLOSED`. */
  close() {
    if (this.#engine !== undefined) this.#engine.close()
  }

  #log(method, err) {
    if (this.#logger && typeof this.#logger.error === 'function') {
      this.#logger.error(`[pattern-learning] ${method} failed: ${err && err.code ? `${err.code}: ` : ''}${err && err.message}`)
    }
  }

  /** Runs `fn(nativeEngine)` once the engine is open; a failure is logged and resolves to `fallback()`. */
  async #neverRejects(method, fallback, fn) {
    try {
      return await fn(nativeOf(await this.ready()))
    } catch (err) {
      this.#log(method, wrapError(err, method))
      return fallback()
    }
  }

  /** Runs `fn(engine)` once the engine is open; errors reject as `PatternLearningError`s. */
  #onEngine(method, fn) {
    return callAsync(method, async () => fn(await this.ready()))
  }

  // ---- patternLearningService -------------------------------------------------

  /**
   * V1's `processMessage(message, phoneNumber, conversationId, customerName?)`, plus
   * optional `{ messageId, embedding, variables }`. Never rejects.
   */
  processMessage(message, phoneNumber, conversationId, customerName, options) {
    return this.#neverRejects('processMessage', native.v1ProcessingError, (engine) =>
      native.v1ProcessMessage(engine, message, idArg(phoneNumber), idArg(conversationId), customerName ?? undefined, options ?? undefined),
    )
  }

  /**
   * V1's `learnFromHumanResponse(originalMessage, humanResponse, actionsTaken,
   * conversationId, phoneNumber, operatorId?)`. Never rejects.
   */
  learnFromHumanResponse(originalMessage, humanResponse, actionsTaken, conversationId, phoneNumber, operatorId) {
    return this.#neverRejects('learnFromHumanResponse', notLearned, (engine) =>
      native.v1LearnFromHumanResponse(engine, originalMessage, humanResponse, idArg(conversationId), idArg(phoneNumber), idArg(operatorId)),
    )
  }

  /**
   * V1's `recordOperatorResponse(customerMessage, operatorResponse, phoneNumber,
   * patternId?)`, plus an optional operator id. Never rejects.
   */
  recordOperatorResponse(customerMessage, operatorResponse, phoneNumber, patternId, operatorId) {
    return this.#neverRejects('recordOperatorResponse', notLearned, (engine) =>
      native.v1RecordOperatorResponse(engine, customerMessage, operatorResponse, patternIdArg(patternId), idArg(operatorId)),
    )
  }

  /**
   * V1's `updatePatternConfidence(patternId, success, humanModified = false,
   * executionId?)`: resolves to the `FeedbackOutcome`, or `null` when it failed
   * (logged). Never rejects.
   */
  updatePatternConfidence(patternId, success, humanModified = false, _executionId) {
    return this.#neverRejects('updatePatternConfidence', () => null, (engine) =>
      native.v1UpdatePatternConfidence(engine, patternIdArg(patternId), success, humanModified),
    )
  }

  /** V1's `planConversationSteps(message, conversationId, customerContext)`: V1's result without a model. */
  planConversationSteps(_message, _conversationId, _customerContext) {
    return Promise.resolve(native.v1PlanConversationSteps())
  }

  /** V1's `getConfig()`: `{ enabled, openphoneEnabled, shadowMode }`. */
  getConfig() {
    return this.#onEngine('getConfig', (engine) => native.v1Config(nativeOf(engine)))
  }

  /** V1's `generateSignature(message)`: MD5 of V1's normalisation. */
  generateSignature(message) {
    return pure.generateSignature(message)
  }

  /**
   * Imports V1's `decision_patterns` (read-only) from V1's PostgreSQL database at
   * `url` — by default the service's own store, when it is a PostgreSQL URL — once:
   * rows whose id the engine has are left alone, so a second call imports nothing.
   * @param {string} [url]
   */
  importV1Patterns(url) {
    return this.#onEngine('importV1Patterns', (engine) => {
      const from = url ?? call('importV1Patterns', () => native.v1ServiceStore(engineOptions(this.#options)))
      if (from == null) {
        throw new PatternLearningError(
          ErrorCode.INVALID_ARGUMENT,
          'importV1Patterns: the service has no store; give the URL of V1\'s PostgreSQL database',
        )
      }
      return native.v1ImportPatterns(nativeOf(engine), from)
    })
  }

  // ---- patternSafetyService ---------------------------------------------------

  /** V1's `checkMessageSafety(message, conversationId?, phoneNumber?)`. */
  checkMessageSafety(message, _conversationId, _phoneNumber) {
    return this.#onEngine('checkMessageSafety', (engine) => engine.checkMessageSafety(message))
  }

  /** V1's `getSafetyThresholds()`. */
  getSafetyThresholds() {
    return this.#onEngine('getSafetyThresholds', (engine) => engine.getSafetyThresholds())
  }

  /** V1's `updateSafetyThresholds(partial)`; resolves to the thresholds in force. */
  updateSafetyThresholds(partial) {
    return this.#onEngine('updateSafetyThresholds', (engine) => engine.updateSafetyThresholds(partial))
  }

  /** V1's `resetSentimentPatterns()`; resolves to the thresholds in force. */
  resetSentimentPatterns() {
    return this.#onEngine('resetSentimentPatterns', (engine) => engine.resetSentimentRules())
  }

  /** V1's `getDefaultSentimentPatterns()`. */
  getDefaultSentimentPatterns() {
    return native.getDefaultSentimentPatterns()
  }

  /** V1's `getSettings()`. */
  getSettings() {
    return this.#onEngine('getSettings', (engine) => engine.getSafetySettings())
  }

  /** V1's `updateSettings(settings)`; resolves to the settings in force. */
  updateSettings(settings) {
    return this.#onEngine('updateSettings', (engine) => engine.updateSafetySettings(settings))
  }

  /**
   * V1's `checkPatternApproval(patternId)`: `{ requiresApproval, approvalCount,
   * threshold }`. Never rejects: a failure (logged) resolves to "approval required".
   */
  checkPatternApproval(patternId) {
    const required = () => ({ requiresApproval: true, approvalCount: 0, threshold: 0 })
    return this.#neverRejects('checkPatternApproval', required, (engine) =>
      native.v1CheckPatternApproval(engine, patternIdArg(patternId)),
    )
  }

  /**
   * V1's `recordPatternUsage(patternId, wasApproved)`: an approved use is an
   * operator approval. Resolves to its `FeedbackOutcome`, `null` for an unapproved
   * use or a failure (logged). Never rejects.
   */
  recordPatternUsage(patternId, wasApproved) {
    return this.#neverRejects('recordPatternUsage', () => null, (engine) =>
      native.v1RecordPatternUsage(engine, patternIdArg(patternId), wasApproved),
    )
  }

  /** V1's `checkMinimumExamples(patternSignature)`. Never rejects (`false` on failure, logged). */
  checkMinimumExamples(patternSignature) {
    return this.#neverRejects('checkMinimumExamples', () => false, (engine) =>
      native.v1CheckMinimumExamples(engine, patternSignature),
    )
  }

  /**
   * V1's `recordLearningExample(patternSignature, customerMessage, operatorResponse,
   * wasModified = false)`: learns the reply as an operator's answer. Never rejects.
   */
  recordLearningExample(_patternSignature, customerMessage, operatorResponse, _wasModified = false) {
    return this.#neverRejects('recordLearningExample', notLearned, (engine) =>
      native.v1RecordLearningExample(engine, customerMessage, operatorResponse),
    )
  }

  // ---- utils/topicDetection ---------------------------------------------------

  detectMessageTopic(message) {
    return pure.detectMessageTopic(message)
  }

  getTopicLabel(topic) {
    return pure.getTopicLabel(topic)
  }

  isSameTopic(a, b) {
    return pure.isSameTopic(a, b)
  }

  getAvailableTopics() {
    return pure.getAvailableTopics()
  }
}

/** What a learning call that failed resolves to. */
function notLearned() {
  return { learned: false, skipped: 'error' }
}

/**
 * A V1 service with its own engine. Bad options throw here, and so does the
 * production environment without a store; a service in memory is created now, one
 * with a store starts opening it (await `service.ready()` before relying on it).
 */
function createV1Service(options) {
  const service = new PatternLearningService(options)
  if (options && options.engine !== undefined) return service
  const store = call('createV1Service', () => native.v1ServiceStore(engineOptions(options ?? {})))
  if (store === null) {
    void service.engine
  } else {
    const logger = options && options.logger !== undefined ? options.logger : console
    service.ready().catch((err) => {
      if (logger && typeof logger.error === 'function') {
        logger.error(`[pattern-learning] opening the store failed: ${err.code}: ${err.message}`)
      }
    })
  }
  return service
}

// ---- the default service and V1's two singletons ----------------------------------

let defaultService

/** The service behind the module-level functions and the two singletons (lazy). */
function defaultV1Service() {
  if (defaultService === undefined) defaultService = new PatternLearningService()
  return defaultService
}

const learningMethods = [
  'ready',
  'processMessage',
  'learnFromHumanResponse',
  'recordOperatorResponse',
  'updatePatternConfidence',
  'planConversationSteps',
  'getConfig',
  'generateSignature',
  'importV1Patterns',
]
const safetyMethods = [
  'ready',
  'checkMessageSafety',
  'getSafetyThresholds',
  'updateSafetyThresholds',
  'resetSentimentPatterns',
  'getDefaultSentimentPatterns',
  'getSettings',
  'updateSettings',
  'checkPatternApproval',
  'recordPatternUsage',
  'checkMinimumExamples',
  'recordLearningExample',
]

function singleton(methods) {
  const service = {}
  for (const name of methods) {
    service[name] = (...args) => defaultV1Service()[name](...args)
  }
  Object.defineProperty(service, 'engine', { get: () => defaultV1Service().engine, enumerable: false })
  return Object.freeze(service)
}

/** V1's `patternLearningService`, on the default engine. */
const patternLearningService = singleton(learningMethods)
/** V1's `patternSafetyService`, on the default engine (the same one). */
const patternSafetyService = singleton(safetyMethods)

module.exports = {
  PatternLearningService,
  V1Service: PatternLearningService,
  createV1Service,
  defaultV1Service,
  patternLearningService,
  patternSafetyService,
  ...pure,
}
