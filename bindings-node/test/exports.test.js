'use strict'

// The JavaScript facade covers the native module: no native function or method is
// left without a wrapper (which would leak untyped errors), and the types file
// declares everything the package exports.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const native = require('../native.js')
const pl = require('..')

// Native exports used only inside the facade (lib/) or by the benchmark.
const INTERNAL = new Set([
  'v1ProcessMessage',
  'v1LearnFromHumanResponse',
  'v1RecordOperatorResponse',
  'v1Config',
  'v1ProcessingError',
  // The error table; lib/errors.js builds ErrorCode from it.
  'errorKinds',
  'v1EngineOptions',
  'v1UpdatePatternConfidence',
  'v1CheckPatternApproval',
  'v1RecordPatternUsage',
  'v1CheckMinimumExamples',
  'v1RecordLearningExample',
  'v1PlanConversationSteps',
  'v1ServiceStore',
  'v1OpenMemoryService',
  'v1OpenService',
  'v1ImportPatterns',
  '__benchNoop',
  '__benchNoopString',
  '__benchSignatureNs',
  '__benchProcessNs',
  '__napiBindingTarget',
  // Returned by PatternEngine.subscribe (wrapped by the facade), never constructed.
  'EventSubscription',
  // Values the engine returns (lib/values.js adds toJSON), never constructed.
  'Decision',
  'FeedbackOutcome',
  'Pattern',
])

test('every native export is wrapped or internal', () => {
  for (const name of Object.keys(native)) {
    // String enums also exist as plain objects at run time; their types are exported.
    if (typeof native[name] === 'object') continue
    assert.ok(INTERNAL.has(name) || name in pl, `native export ${name} is not exposed`)
  }
})

test('every native PatternEngine method has a facade method', () => {
  const facade = new Set(Object.getOwnPropertyNames(pl.PatternEngine.prototype))
  for (const name of Object.getOwnPropertyNames(native.PatternEngine.prototype)) {
    assert.ok(facade.has(name), `PatternEngine.${name} is not wrapped`)
  }
  for (const name of Object.getOwnPropertyNames(native.PatternEngine)) {
    if (typeof native.PatternEngine[name] === 'function') assert.equal(typeof pl.PatternEngine[name], 'function', name)
  }
})

test('index.d.ts declares every export', () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  for (const name of Object.keys(pl)) {
    assert.match(dts, new RegExp(`export (declare (const|function|class) |\\{ )${name}\\b`), name)
  }
})
