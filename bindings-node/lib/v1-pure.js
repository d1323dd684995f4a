'use strict'

/**
 * V1's pure functions (synchronous): signatures, topic detection, the follow-up
 * helpers and the legacy automations. The behaviour lives in the core
 * (`core/src/v1/`); these only check argument types and map errors.
 */

const native = require('../native.js')
const { call } = require('./engine.js')
const { checkString } = require('./errors.js')

/** A function of one string argument `name` calling `fn` on the native module. */
function stringFunction(method, name, fn) {
  return (value) => {
    checkString(method, name, value)
    return call(method, () => fn(value))
  }
}

/** V1's `generateSignature`: MD5 of V1's normalisation. */
const generateSignature = stringFunction('generateSignature', 'message', native.generateSignature)
/** The stable signature this library uses. */
const signature = stringFunction('signature', 'message', native.signature)
/** V1's `detectMessageTopic`. */
const detectMessageTopic = stringFunction('detectMessageTopic', 'message', native.detectMessageTopic)
/** V1's `isEscalationMessage`: the customer says the issue is still unresolved. */
const isEscalationMessage = stringFunction('isEscalationMessage', 'message', native.isEscalationMessage)
/** V1's `isSuccessMessage`: the customer says the issue is resolved. */
const isSuccessMessage = stringFunction('isSuccessMessage', 'message', native.isSuccessMessage)
/** V1's `findBestAutomation`: the legacy automation a message asks for, if any. */
const findBestAutomation = stringFunction('findBestAutomation', 'message', native.findBestAutomation)

/** V1's `extractLocationAndBox`: `{ location?, box? }` (absent when not found). */
function extractLocationAndBox(message) {
  checkString('extractLocationAndBox', 'message', message)
  const found = call('extractLocationAndBox', () => native.extractLocationAndBox(message))
  const out = {}
  if (found.location != null) out.location = found.location
  if (found.box != null) out.box = found.box
  return out
}

/** V1's `calculateConfidence(message, feature)`. */
function calculateConfidence(message, feature) {
  checkString('calculateConfidence', 'message', message)
  checkString('calculateConfidence', 'feature', feature)
  return call('calculateConfidence', () => native.calculateConfidence(message, feature))
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

module.exports = {
  generateSignature,
  signature,
  detectMessageTopic,
  getTopicLabel,
  isSameTopic,
  getAvailableTopics,
  isEscalationMessage,
  isSuccessMessage,
  extractLocationAndBox,
  calculateConfidence,
  findBestAutomation,
}
