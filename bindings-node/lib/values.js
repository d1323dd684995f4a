'use strict'

/**
 * Plain-object views of the native value classes.
 *
 * `Decision`, `FeedbackOutcome` and `Pattern` are native classes that hold the core's
 * value and convert a property when it is read (as the Python binding's classes do).
 * This file gives them `toJSON()`, so `JSON.stringify` writes the whole value, and a
 * `util.inspect` view, so `console.log` shows it. Both are built from the classes'
 * own getters: no property is listed here by hand.
 */

const native = require('../native.js')

/** The native classes that wrap a core value. */
const VALUE_CLASSES = [native.Decision, native.FeedbackOutcome, native.Pattern]

/** The names of the properties a class defines with getters. */
function getterNames(Class) {
  return Object.entries(Object.getOwnPropertyDescriptors(Class.prototype))
    .filter(([, descriptor]) => typeof descriptor.get === 'function')
    .map(([name]) => name)
}

for (const Class of VALUE_CLASSES) {
  const names = getterNames(Class)
  Object.defineProperty(Class.prototype, 'toJSON', {
    /** Every property as a plain object (absent ones left out, as `JSON.stringify` does). */
    value: function toJSON() {
      const out = {}
      for (const name of names) {
        const value = this[name]
        if (value !== undefined) out[name] = value
      }
      return out
    },
    writable: true,
    configurable: true,
  })
  Object.defineProperty(Class.prototype, Symbol.for('nodejs.util.inspect.custom'), {
    value: function inspect(depth, options, inspectValue) {
      const show = inspectValue ?? require('node:util').inspect
      return `${Class.name} ${show(this.toJSON(), options)}`
    },
    configurable: true,
  })
}

module.exports = { VALUE_CLASSES, getterNames }
