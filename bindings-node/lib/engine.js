'use strict'

/**
 * `PatternEngine`: the modern API. A thin wrapper around the native class that turns
 * every error into a `PatternLearningError` and every failure of an asynchronous
 * method into a rejected promise (never a synchronous throw).
 */

const native = require('../native.js')
require('./values.js') // toJSON and util.inspect for Decision, FeedbackOutcome, Pattern
const { ErrorCode, PatternLearningError, checkObject, checkString, wrapError } = require('./errors.js')

/** Runs a synchronous native call of `method`, mapping its errors. */
function call(method, fn) {
  try {
    return fn()
  } catch (err) {
    throw wrapError(err, method)
  }
}

/** Runs an asynchronous native call of `method`: always a promise, errors mapped. */
function callAsync(method, fn) {
  let promise
  try {
    promise = fn()
  } catch (err) {
    return Promise.reject(wrapError(err, method))
  }
  return promise.catch((err) => {
    throw wrapError(err, method)
  })
}

let nativeOf

/** A native engine being adopted by the `PatternEngine` constructor (see `open`). */
let adopting = null

/** `selection` with a `Date` as `unusedSince` turned into milliseconds since the epoch. */
function selectionArg(selection) {
  checkObject('bulk', 'selection', selection, false)
  const since = selection.unusedSince
  return since instanceof Date ? { ...selection, unusedSince: since.getTime() } : selection
}

/** The `PatternEngine` of a native engine opened elsewhere (a store, a V1 service). */
function adopt(nativeEngine) {
  adopting = nativeEngine
  try {
    return new PatternEngine()
  } finally {
    adopting = null
  }
}

class PatternEngine {
  #native

  static {
    /** The native engine behind a `PatternEngine` (for the V1 service). */
    nativeOf = (engine) => {
      if (!(engine instanceof PatternEngine)) {
        throw new TypeError('expected a PatternEngine')
      }
      return engine.#native
    }
  }

  /**
   * An in-memory engine.
   * @param {import('./../native').EngineOptions} [options]
   */
  constructor(options) {
    if (adopting !== null) {
      this.#native = adopting
      adopting = null
      return
    }
    checkObject('new PatternEngine', 'options', options)
    this.#native = call('new PatternEngine', () => new native.PatternEngine(options))
  }

  /**
   * A durable engine on the single-file store at `path` (created when missing),
   * opened off the JS thread. Options given replace the stored configuration or
   * safety settings; absent ones keep the stored values.
   * @param {string} path
   * @param {import('./../native').EngineOptions} [options]
   * @returns {Promise<PatternEngine>}
   */
  static open(path, options) {
    return callAsync('PatternEngine.open', () => {
      checkString('PatternEngine.open', 'path', path)
      checkObject('PatternEngine.open', 'options', options)
      return native.PatternEngine.open(path, options)
    }).then(adopt)
  }

  /** Whether the engine writes to a store file (`PatternEngine.open`). */
  get durable() {
    return this.#native.durable
  }

  /** True once `close()` was called. */
  get closed() {
    return this.#native.closed
  }

  /**
   * Releases the engine (and a durable engine's store file) now; later calls throw or
   * reject with `ENGINE_CLOSED`. Closing again does nothing.
   */
  close() {
    return call('close', () => this.#native.close())
  }

  undo(seq) {
    return callAsync('undo', () => this.#native.undo(seq))
  }

  bulk(action, selection, options) {
    return callAsync('bulk', () => {
      checkString('bulk', 'action', action)
      const sel = selectionArg(selection)
      checkObject('bulk', 'options', options)
      return this.#native.bulk(action, sel, options)
    })
  }

  process(message, context) {
    return callAsync('process', () => {
      checkString('process', 'message', message)
      checkObject('process', 'context', context)
      return this.#native.process(message, context)
    })
  }

  processSync(message, context) {
    checkString('processSync', 'message', message)
    checkObject('processSync', 'context', context)
    try {
      return this.#native.processSync(message, context)
    } catch (err) {
      throw wrapError(err, 'processSync')
    }
  }

  feedback(event) {
    return callAsync('feedback', () => {
      checkObject('feedback', 'event', event, false)
      return this.#native.feedback(event)
    })
  }

  recordOperatorMessage(conversationId, lastCustomerMessage) {
    return call('recordOperatorMessage', () => {
      checkString('recordOperatorMessage', 'conversationId', conversationId)
      checkString('recordOperatorMessage', 'lastCustomerMessage', lastCustomerMessage, true)
      return this.#native.recordOperatorMessage(conversationId, lastCustomerMessage)
    })
  }

  /**
   * Erases what the engine and its store keep of one customer.
   * @param {import('./../native').CustomerToErase} customer `{ phone?, conversationId? }`
   */
  eraseCustomer(customer) {
    return callAsync('eraseCustomer', () => {
      checkObject('eraseCustomer', 'customer', customer, false)
      checkString('eraseCustomer', 'phone', customer.phone, true)
      checkString('eraseCustomer', 'conversationId', customer.conversationId, true)
      return this.#native.eraseCustomer(customer)
    })
  }

  /** Applies the configured retention period; `null` when none is set. */
  applyRetention() {
    return callAsync('applyRetention', () => this.#native.applyRetention())
  }

  createPattern(pattern) {
    return callAsync('createPattern', () => {
      checkObject('createPattern', 'pattern', pattern, false)
      return this.#native.createPattern(pattern)
    })
  }

  updatePattern(id, update) {
    return callAsync('updatePattern', () => {
      checkObject('updatePattern', 'update', update, false)
      return this.#native.updatePattern(id, update)
    })
  }

  setActive(id, active) {
    return callAsync('setActive', () => this.#native.setActive(id, active))
  }

  setAutoExecutable(id, auto) {
    return callAsync('setAutoExecutable', () => this.#native.setAutoExecutable(id, auto))
  }

  deletePattern(id) {
    return callAsync('deletePattern', () => this.#native.deletePattern(id))
  }

  restorePattern(id) {
    return callAsync('restorePattern', () => this.#native.restorePattern(id))
  }

  pattern(id) {
    return call('pattern', () => this.#native.pattern(id))
  }

  patterns(filter) {
    return call('patterns', () => {
      checkObject('patterns', 'filter', filter)
      return this.#native.patterns(filter)
    })
  }

  history(id) {
    return call('history', () => this.#native.history(id))
  }

  refresh() {
    return call('refresh', () => this.#native.refresh())
  }

  get patternCount() {
    return call('patternCount', () => this.#native.patternCount)
  }

  getConfig() {
    return call('getConfig', () => this.#native.getConfig())
  }

  /** Everything counted since the engine was built (see native.d.ts `Metrics`). */
  metrics() {
    return call('metrics', () => this.#native.metrics())
  }

  /** `metrics()` in the Prometheus text exposition format. */
  prometheus() {
    return call('prometheus', () => this.#native.prometheus())
  }

  /** The configuration in force, one `key  value  source` line per setting. */
  explainConfig() {
    return call('explainConfig', () => this.#native.explainConfig())
  }

  /**
   * Calls `listener(event)` on the JS thread for every decision, feedback and alert.
   * `process` never waits for it: events go through a queue of `capacity` (default
   * 1024) that drops and counts when full. A listener that throws is caught; its
   * errors are counted in `failed` of the returned subscription.
   * @param {(event: import('./../native').EngineEvent) => void} listener
   * @param {number} [capacity]
   */
  subscribe(listener, capacity) {
    if (typeof listener !== 'function') {
      throw new PatternLearningError(
        ErrorCode.INVALID_ARGUMENT,
        `subscribe: \`listener\` must be a function, got ${listener === null ? 'null' : typeof listener}`,
      )
    }
    let failed = 0
    const sub = call('subscribe', () =>
      this.#native.subscribe((event) => {
        try {
          listener(event)
        } catch {
          failed += 1
        }
      }, capacity),
    )
    return {
      unsubscribe: () => sub.unsubscribe(),
      get delivered() {
        return sub.delivered
      },
      get dropped() {
        return sub.dropped
      },
      get failed() {
        return failed
      },
    }
  }

  setConfig(patch) {
    return call('setConfig', () => {
      checkObject('setConfig', 'patch', patch, false)
      return this.#native.setConfig(patch)
    })
  }

  checkMessageSafety(message) {
    return call('checkMessageSafety', () => {
      checkString('checkMessageSafety', 'message', message)
      return this.#native.checkMessageSafety(message)
    })
  }

  getSafetyThresholds() {
    return call('getSafetyThresholds', () => this.#native.getSafetyThresholds())
  }

  updateSafetyThresholds(patch) {
    return call('updateSafetyThresholds', () => {
      checkObject('updateSafetyThresholds', 'patch', patch, false)
      return this.#native.updateSafetyThresholds(patch)
    })
  }

  resetSentimentRules() {
    return call('resetSentimentRules', () => this.#native.resetSentimentRules())
  }

  getSafetySettings() {
    return call('getSafetySettings', () => this.#native.getSafetySettings())
  }

  updateSafetySettings(patch) {
    return call('updateSafetySettings', () => {
      checkObject('updateSafetySettings', 'patch', patch, false)
      return this.#native.updateSafetySettings(patch)
    })
  }

  static defaultSentimentRules() {
    return native.PatternEngine.defaultSentimentRules()
  }

  get [Symbol.toStringTag]() {
    return 'PatternEngine'
  }
}

module.exports = { PatternEngine, adopt, nativeOf, call, callAsync }
