'use strict'

/**
 * V1's two services, `patternLearningService` and `patternSafetyService`
 * (docs/v1-behaviour.md), with V1's method names, argument order and result shapes,
 * on top of a `PatternEngine`. The mapping itself, and the configuration of the
 * service's engine, live in the core (`core/src/v1/`); this file only converts
 * arguments, maps errors and keeps V1's "never throws" promises:
 *
 * - `processMessage` never rejects: a failure resolves to
 *   `{ action: 'escalate', reason: 'processing_error' }` and is logged.
 * - `learnFromHumanResponse` and `recordOperatorResponse` never reject: failures are
 *   logged and resolve to `{ learned: false, skipped: 'error' }`.
 * - Everything else rejects (or throws) with a `PatternLearningError`.
 */

const native = require('../native.js')
const { PatternEngine, nativeOf, call, callAsync } = require('./engine.js')
const { ErrorCode, PatternLearningError, checkObject, checkString, wrapError } = require('./errors.js')

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

class V1Service {
  #engine
  #options
  #logger

  /**
   * @param {import('..').V1ServiceOptions} [options]
   */
  constructor(options) {
    checkObject('createV1Service', 'options', options)
    this.#options = options ?? {}
    const { engine, logger } = this.#options
    if (engine !== undefined && !(engine instanceof PatternEngine)) {
      throw new PatternLearningError(
        ErrorCode.INVALID_ARGUMENT,
        'createV1Service: `engine` must be a PatternEngine',
      )
    }
    this.#engine = engine
    this.#logger = logger === undefined ? console : logger
  }

  /**
   * The engine behind the service, created on first use with the core's V1 defaults
   * (profile `v1`, `aiSignature: '- ClubAI'`) under the options given.
   */
  get engine() {
    if (this.#engine === undefined) {
      const { profile, config, safetyThresholds, safetySettings } = this.#options
      const options = call('createV1Service', () =>
        native.v1EngineOptions({ profile, config, safetyThresholds, safetySettings }),
      )
      this.#engine = new PatternEngine(options)
    }
    return this.#engine
  }

  #log(method, err) {
    if (this.#logger && typeof this.#logger.error === 'function') {
      this.#logger.error(`[pattern-learning] ${method} failed: ${err && err.code ? `${err.code}: ` : ''}${err && err.message}`)
    }
  }

  // ---- patternLearningService -------------------------------------------------

  /**
   * V1's `processMessage(message, phoneNumber, conversationId, customerName?)`, plus
   * optional `{ messageId, embedding, variables }`. Never rejects.
   */
  async processMessage(message, phoneNumber, conversationId, customerName, options) {
    try {
      return await native.v1ProcessMessage(
        nativeOf(this.engine),
        message,
        idArg(phoneNumber),
        idArg(conversationId),
        customerName ?? undefined,
        options ?? undefined,
      )
    } catch (err) {
      this.#log('processMessage', wrapError(err, 'processMessage'))
      return native.v1ProcessingError()
    }
  }

  /**
   * V1's `learnFromHumanResponse(originalMessage, humanResponse, actionsTaken,
   * conversationId, phoneNumber, operatorId?)`. Never rejects.
   */
  async learnFromHumanResponse(originalMessage, humanResponse, actionsTaken, conversationId, phoneNumber, operatorId) {
    try {
      return await native.v1LearnFromHumanResponse(
        nativeOf(this.engine),
        originalMessage,
        humanResponse,
        idArg(conversationId),
        idArg(phoneNumber),
        idArg(operatorId),
      )
    } catch (err) {
      this.#log('learnFromHumanResponse', wrapError(err, 'learnFromHumanResponse'))
      return { learned: false, skipped: 'error' }
    }
  }

  /**
   * V1's `recordOperatorResponse(customerMessage, operatorResponse, phoneNumber,
   * patternId?)`, plus an optional operator id. Never rejects.
   */
  async recordOperatorResponse(customerMessage, operatorResponse, phoneNumber, patternId, operatorId) {
    try {
      return await native.v1RecordOperatorResponse(
        nativeOf(this.engine),
        customerMessage,
        operatorResponse,
        patternIdArg(patternId),
        idArg(operatorId),
      )
    } catch (err) {
      this.#log('recordOperatorResponse', wrapError(err, 'recordOperatorResponse'))
      return { learned: false, skipped: 'error' }
    }
  }

  /** V1's `getConfig()`: `{ enabled, openphoneEnabled, shadowMode }`. */
  getConfig() {
    return callAsync('getConfig', async () => native.v1Config(nativeOf(this.engine)))
  }

  /** V1's `generateSignature(message)`: MD5 of V1's normalisation. */
  generateSignature(message) {
    return generateSignature(message)
  }

  // ---- patternSafetyService ---------------------------------------------------

  /** V1's `checkMessageSafety(message, conversationId?, phoneNumber?)`. */
  checkMessageSafety(message, _conversationId, _phoneNumber) {
    return callAsync('checkMessageSafety', async () => this.engine.checkMessageSafety(message))
  }

  /** V1's `getSafetyThresholds()`. */
  getSafetyThresholds() {
    return callAsync('getSafetyThresholds', async () => this.engine.getSafetyThresholds())
  }

  /** V1's `updateSafetyThresholds(partial)`; resolves to the thresholds in force. */
  updateSafetyThresholds(partial) {
    return callAsync('updateSafetyThresholds', async () => this.engine.updateSafetyThresholds(partial))
  }

  /** V1's `resetSentimentPatterns()`; resolves to the thresholds in force. */
  resetSentimentPatterns() {
    return callAsync('resetSentimentPatterns', async () => this.engine.resetSentimentRules())
  }

  /** V1's `getDefaultSentimentPatterns()`. */
  getDefaultSentimentPatterns() {
    return native.getDefaultSentimentPatterns()
  }

  /** V1's `getSettings()`. */
  getSettings() {
    return callAsync('getSettings', async () => this.engine.getSafetySettings())
  }

  /** V1's `updateSettings(settings)`; resolves to the settings in force. */
  updateSettings(settings) {
    return callAsync('updateSettings', async () => this.engine.updateSafetySettings(settings))
  }

  // ---- utils/topicDetection ---------------------------------------------------

  detectMessageTopic(message) {
    return detectMessageTopic(message)
  }

  getTopicLabel(topic) {
    return getTopicLabel(topic)
  }

  isSameTopic(a, b) {
    return isSameTopic(a, b)
  }

  getAvailableTopics() {
    return getAvailableTopics()
  }
}

/** A V1 service with its own engine (created now, so bad options throw here). */
function createV1Service(options) {
  const service = new V1Service(options)
  void service.engine
  return service
}

// ---- pure functions (synchronous) -------------------------------------------------

function generateSignature(message) {
  checkString('generateSignature', 'message', message)
  try {
    return native.generateSignature(message)
  } catch (err) {
    throw wrapError(err, 'generateSignature')
  }
}

function signature(message) {
  checkString('signature', 'message', message)
  try {
    return native.signature(message)
  } catch (err) {
    throw wrapError(err, 'signature')
  }
}

function detectMessageTopic(message) {
  checkString('detectMessageTopic', 'message', message)
  try {
    return native.detectMessageTopic(message)
  } catch (err) {
    throw wrapError(err, 'detectMessageTopic')
  }
}

function getTopicLabel(topic) {
  checkString('getTopicLabel', 'topic', topic, true)
  return call('getTopicLabel', () => native.getTopicLabel(topic ?? undefined))
}

function isSameTopic(a, b) {
  checkString('isSameTopic', 'a', a, true)
  checkString('isSameTopic', 'b', b, true)
  return call('isSameTopic', () => native.isSameTopic(a ?? undefined, b ?? undefined))
}

function getAvailableTopics() {
  return native.getAvailableTopics()
}

// ---- the default service and V1's two singletons ----------------------------------

let defaultService

/** The service behind the module-level functions and the two singletons (lazy). */
function defaultV1Service() {
  if (defaultService === undefined) defaultService = new V1Service()
  return defaultService
}

const learningMethods = ['processMessage', 'learnFromHumanResponse', 'recordOperatorResponse', 'getConfig', 'generateSignature']
const safetyMethods = [
  'checkMessageSafety',
  'getSafetyThresholds',
  'updateSafetyThresholds',
  'resetSentimentPatterns',
  'getDefaultSentimentPatterns',
  'getSettings',
  'updateSettings',
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
  V1Service,
  createV1Service,
  defaultV1Service,
  patternLearningService,
  patternSafetyService,
  generateSignature,
  signature,
  detectMessageTopic,
  getTopicLabel,
  isSameTopic,
  getAvailableTopics,
}
